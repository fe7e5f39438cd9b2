using System.Globalization;

namespace MailFlow.Logs.Reading;

/// <summary>A Get-MessageTrackingLog result row, with Exchange's property names.</summary>
public sealed record MessageTrackingLogEntry
{
    public DateTime Timestamp { get; init; }

    public string? ClientIp { get; init; }

    public string? ClientHostname { get; init; }

    public string? ServerIp { get; init; }

    public string? ServerHostname { get; init; }

    public string? SourceContext { get; init; }

    public string? ConnectorId { get; init; }

    public string? Source { get; init; }

    public string? EventId { get; init; }

    public long InternalMessageId { get; init; }

    public string? MessageId { get; init; }

    public string? NetworkMessageId { get; init; }

    public IReadOnlyList<string> Recipients { get; init; } = [];

    public IReadOnlyList<string> RecipientStatus { get; init; } = [];

    public long TotalBytes { get; init; }

    public int RecipientCount { get; init; }

    public string? MessageSubject { get; init; }

    public string? Sender { get; init; }

    public string? ReturnPath { get; init; }

    public string? Directionality { get; init; }

    public string? CustomData { get; init; }

    public static MessageTrackingLogEntry From(LogRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new MessageTrackingLogEntry
        {
            Timestamp = DateTime.TryParse(row["date-time"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) ? at : default,
            ClientIp = Value(row["client-ip"]),
            ClientHostname = Value(row["client-hostname"]),
            ServerIp = Value(row["server-ip"]),
            ServerHostname = Value(row["server-hostname"]),
            SourceContext = Value(row["source-context"]),
            ConnectorId = Value(row["connector-id"]),
            Source = Value(row["source"]),
            EventId = Value(row["event-id"]),
            InternalMessageId = long.TryParse(row["internal-message-id"], CultureInfo.InvariantCulture, out var internalId) ? internalId : 0,
            MessageId = Value(row["message-id"]),
            NetworkMessageId = Value(row["network-message-id"]),
            Recipients = List(row["recipient-address"]),
            RecipientStatus = List(row["recipient-status"]),
            TotalBytes = long.TryParse(row["total-bytes"], CultureInfo.InvariantCulture, out var bytes) ? bytes : 0,
            RecipientCount = int.TryParse(row["recipient-count"], CultureInfo.InvariantCulture, out var count) ? count : 0,
            MessageSubject = Value(row["message-subject"]),
            Sender = Value(row["sender-address"]),
            ReturnPath = Value(row["return-path"]),
            Directionality = Value(row["directionality"]),
            CustomData = Value(row["custom-data"]),
        };
    }

    private static string? Value(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static List<string> List(string? text) => string.IsNullOrEmpty(text) ? [] : [.. text.Split(';')];
}

/// <summary>Get-MessageTrackingLog's filters; null matches everything. Comparisons ignore case, as Exchange's do.</summary>
public sealed record MessageTrackingFilter
{
    public string? Sender { get; init; }

    public IReadOnlyList<string> Recipients { get; init; } = [];

    public string? MessageId { get; init; }

    public string? EventId { get; init; }

    public DateTime? Start { get; init; }

    public DateTime? End { get; init; }

    public bool Matches(MessageTrackingLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (Sender is null || string.Equals(entry.Sender, Sender, StringComparison.OrdinalIgnoreCase))
            && (Recipients.Count == 0 || entry.Recipients.Any(r => Recipients.Contains(r, StringComparer.OrdinalIgnoreCase)))
            && (MessageId is null || string.Equals(entry.MessageId?.Trim('<', '>'), MessageId.Trim('<', '>'), StringComparison.OrdinalIgnoreCase))
            && (EventId is null || string.Equals(entry.EventId, EventId, StringComparison.OrdinalIgnoreCase))
            && (Start is null || entry.Timestamp >= Start.Value.ToUniversalTime())
            && (End is null || entry.Timestamp <= End.Value.ToUniversalTime());
    }
}

public static class MessageTrackingSearch
{
    /// <summary>Every matching event in the tracking log folder, oldest first, streamed.</summary>
    public static IEnumerable<MessageTrackingLogEntry> Search(string directory, MessageTrackingFilter filter, ExchangeLogReader? reader = null)
    {
        ArgumentNullException.ThrowIfNull(filter);
        reader ??= new ExchangeLogReader();
        return ExchangeLogReader.Files(directory)
            .SelectMany(reader.Read)
            .Select(MessageTrackingLogEntry.From)
            .Where(filter.Matches);
    }
}
