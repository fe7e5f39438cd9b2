using System.Globalization;

namespace MailFlow.Logs;

/// <summary>One message-tracking event (DOC-MT field meanings).</summary>
public sealed record TrackingEvent
{
    /// <summary>date-time; null means now. Set when an event is written after the fact (recovered at start-up).</summary>
    public DateTimeOffset? Timestamp { get; init; }

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

/// <summary>
/// The MSGTRK log in Exchange 2016/2019 layout. With <c>journal</c> on, every event written is also
/// remembered until <see cref="ConfirmAsync"/> hands it back as known to be on disk, so the queue can
/// record which events no longer need reconciling after a crash (docs/decisions/0020).
/// </summary>
public sealed class MessageTrackingLog
{
    private readonly ExchangeLogWriter? writer;
    private readonly TimeProvider time;
    private readonly System.Collections.Concurrent.ConcurrentQueue<TrackingEvent>? written;

    public MessageTrackingLog(ExchangeLogWriter? writer, TimeProvider? time = null, bool journal = false)
    {
        this.writer = writer;
        this.time = time ?? TimeProvider.System;
        written = journal ? new() : null;
    }

    /// <summary>
    /// Flushes the writer to disk and returns the events written before this call. An event is added to
    /// the journal only after it was queued to the writer, and the writer handles its queue in order, so
    /// every event returned is in the file once the flush completes.
    /// </summary>
    public async Task<IReadOnlyList<TrackingEvent>> ConfirmAsync()
    {
        if (written is null || written.IsEmpty)
        {
            return [];
        }

        var batch = new List<TrackingEvent>();
        for (var n = written.Count; n > 0 && written.TryDequeue(out var e); n--)
        {
            batch.Add(e);
        }

        if (writer is not null)
        {
            await writer.FlushAsync(toDisk: true);
        }

        return batch;
    }

    public void Write(TrackingEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        WriteRow(e);
        written?.Enqueue(e);
    }

    private void WriteRow(TrackingEvent e) =>
        writer?.Write(
            e.Timestamp ?? time.GetUtcNow(),
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
