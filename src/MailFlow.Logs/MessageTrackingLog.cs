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
/// The MSGTRK log in the layout of the writer's format (Exchange 2013, 2016 or 2019). With <c>journal</c> on, every event written is also
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

    /// <summary>
    /// One row in the writer's field list: Exchange 2013's 27 columns end at custom-data; 2016 and 2019
    /// add transport-traffic-type, log-id and schema-version, the last being the #Version (decision 0022).
    /// </summary>
    private void WriteRow(TrackingEvent e)
    {
        if (writer is null)
        {
            return;
        }

        var format = writer.Format;
        var values = new string?[format.Fields.Count - 1]; // date-time is the writer's
        values[0] = e.ClientIp;
        values[1] = e.ClientHostname;
        values[2] = e.ServerIp;
        values[3] = e.ServerHostname;
        values[4] = e.SourceContext;
        values[5] = e.ConnectorId;
        values[6] = e.Source;
        values[7] = e.EventId;
        values[8] = e.InternalMessageId.ToString(CultureInfo.InvariantCulture);
        values[9] = e.MessageId;
        values[10] = e.NetworkMessageId.ToString();
        values[11] = string.Join(';', e.Recipients);
        values[12] = string.Join(';', e.RecipientStatus);
        values[13] = e.TotalBytes.ToString(CultureInfo.InvariantCulture);
        values[14] = e.Recipients.Count.ToString(CultureInfo.InvariantCulture);
        values[17] = e.Subject;
        values[18] = e.Sender;
        values[19] = e.ReturnPath;
        values[20] = e.MessageInfo;
        values[21] = e.Directionality;
        values[23] = e.ClientIp;
        values[24] = e.ServerIp;
        values[25] = e.CustomData;
        if (values.Length > 26)
        {
            values[26] = "Email";
            values[27] = values[10];
            values[28] = format.Version;
        }

        writer.Write(e.Timestamp ?? time.GetUtcNow(), values);
    }
}
