using System.Globalization;

namespace MailFlow.Logs;

/// <summary>One message-tracking event (DOC-MT field meanings).</summary>
public sealed record TrackingEvent
{
    public required string EventId { get; init; }

    public required string Source { get; init; }

    public string? ClientIp { get; init; }

    public string? ClientHostname { get; init; }

    public string? ServerIp { get; init; }

    public string? ServerHostname { get; init; }

    public string? SourceContext { get; init; }

    public string? ConnectorId { get; init; }

    public long InternalMessageId { get; init; }

    public string? MessageId { get; init; }

    public Guid NetworkMessageId { get; init; }

    public IReadOnlyList<string> Recipients { get; init; } = [];

    /// <summary>Per recipient, same order; a single value is repeated by Exchange's readers.</summary>
    public IReadOnlyList<string> RecipientStatus { get; init; } = [];

    public long TotalBytes { get; init; }

    public string? Subject { get; init; }

    public string? Sender { get; init; }

    public string? ReturnPath { get; init; }

    public string? MessageInfo { get; init; }

    public string Directionality { get; init; } = "Incoming";

    public string? CustomData { get; init; }
}

/// <summary>The MSGTRK log in Exchange 2016/2019 layout.</summary>
public sealed class MessageTrackingLog
{
    private readonly ExchangeLogWriter? writer;
    private readonly TimeProvider time;

    public MessageTrackingLog(ExchangeLogWriter? writer, TimeProvider? time = null)
    {
        this.writer = writer;
        this.time = time ?? TimeProvider.System;
    }

    public void Write(TrackingEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        writer?.Write(
            time.GetUtcNow(),
            e.ClientIp,
            e.ClientHostname,
            e.ServerIp,
            e.ServerHostname,
            e.SourceContext,
            e.ConnectorId,
            e.Source,
            e.EventId,
            e.InternalMessageId.ToString(CultureInfo.InvariantCulture),
            e.MessageId,
            e.NetworkMessageId.ToString(),
            string.Join(';', e.Recipients),
            string.Join(';', e.RecipientStatus),
            e.TotalBytes.ToString(CultureInfo.InvariantCulture),
            e.Recipients.Count.ToString(CultureInfo.InvariantCulture),
            null,
            null,
            e.Subject,
            e.Sender,
            e.ReturnPath,
            e.MessageInfo,
            e.Directionality,
            null,
            e.ClientIp,
            e.ServerIp,
            e.CustomData,
            "Email",
            e.NetworkMessageId.ToString(),
            "15.01.2375.007");
    }
}
