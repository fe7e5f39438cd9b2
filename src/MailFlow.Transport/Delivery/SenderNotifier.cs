using MailFlow.Logs;
using MailFlow.Queue;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// Queues RFC 3464 reports (NDRs and delay notices) to a message's sender, like any other message, and
/// writes the DSN tracking event. Never to the null sender: a report itself has MAIL FROM:&lt;&gt;, so a
/// failing report cannot produce another (no NDR loops).
/// </summary>
public sealed class SenderNotifier(Spool spool, MessageTrackingLog tracking, string reportingMta)
{
    /// <summary>Queues the report; returns its queue id, or null when nothing was sent (null sender, or no recipient asked for it).</summary>
    public string? Notify(SpooledMessage original, IReadOnlyList<FailedRecipient> recipients, DateTimeOffset now, ReportAction action, DateTimeOffset? willRetryUntil = null)
    {
        ArgumentNullException.ThrowIfNull(original);
        var wanted = NonDeliveryReport.Wanted(original.Envelope, recipients, action);
        if (wanted.Count == 0 || original.Envelope.MailFrom.Length == 0)
        {
            return null;
        }

        var report = NonDeliveryReport.Build(original, wanted, reportingMta, now, action, willRetryUntil);
        var envelope = new SpooledEnvelope
        {
            Id = Guid.CreateVersion7().ToString("N"),
            InternalId = now.UtcTicks,
            ReceivedUtc = now,
            ConnectorId = "DSN",
            SessionId = string.Empty,
            ClientAddress = "127.0.0.1",
            ClientHelo = reportingMta,
            MailFrom = string.Empty,
            Recipients = [new SpooledRecipient(original.Envelope.MailFrom)],
        };
        using var bytes = new MemoryStream();
        report.WriteTo(new MimeKit.FormatOptions { NewLineFormat = MimeKit.NewLineFormat.Dos }, bytes);
        using (var transaction = spool.Begin(envelope))
        {
            transaction.Write(bytes.ToArray());
            transaction.Commit();
        }

        var kind = action == ReportAction.Failed ? "NDR" : "delay DSN";
        tracking.Write(TrackingEvents.For("DSN", "DSN", original, wanted.Select(f => f.Address).ToList(), wanted[0].Status, null, null, $"{kind} {envelope.Id} to {original.Envelope.MailFrom}"));
        return envelope.Id;
    }
}

/// <summary>Message tracking rows for queued messages, with the fields every event shares filled the same way.</summary>
public static class TrackingEvents
{
    /// <summary>One header parse per message, however many events (SEND, DEFER, FAIL, DSN) it produces.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SpooledMessage, System.Runtime.CompilerServices.StrongBox<(string? MessageId, string? Subject)>> HeaderCache = [];

    /// <summary>
    /// source-context of an SMTP SEND: the SmtpSend session id, the next hop's reply, and ClientSubmitTime
    /// (DOC-MT's example <c>250 2.0.0 OK;ClientSubmitTime:&lt;UTC&gt;</c>, behind the session id as Exchange
    /// leads SMTP contexts with it). ClientSubmitTime is the MAPI client's submission time; a message that
    /// came in by SMTP has none, so it stays empty (decision 0022).
    /// </summary>
    public static string SendSourceContext(string? sessionId, string reply) => $"{sessionId};{reply};ClientSubmitTime:";

    public static TrackingEvent For(string eventId, string source, SpooledMessage message, IReadOnlyList<string> recipients, string status, string? connector, string? serverHost, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        var (messageId, subject) = HeaderCache.GetValue(message, m => new System.Runtime.CompilerServices.StrongBox<(string?, string?)>(Headers(m.Content))).Value;
        return new TrackingEvent
        {
            MessageId = messageId,
            Subject = subject,
            EventId = eventId,
            Source = source,
            ServerHostname = serverHost,
            ConnectorId = connector,
            InternalMessageId = message.Envelope.InternalId,
            NetworkMessageId = Guid.TryParseExact(message.Envelope.Id, "N", out var id) ? id : Guid.Empty,
            Recipients = recipients,
            RecipientStatus = recipients.Select(_ => status).ToList(),
            TotalBytes = message.Content.Length,
            Sender = message.Envelope.MailFrom,
            ReturnPath = message.Envelope.MailFrom,
            Directionality = "Originating",
            CustomData = reason,
        };
    }

    /// <summary>
    /// What the queue stores at ingest for rebuilding lost events: Message-ID and Subject as the events
    /// carry them, and the bytes the client sent — the content without the two-line Received header the
    /// receive side puts in front (RECEIVE counts the client's bytes, like the size limit).
    /// </summary>
    public static MessageHeaders Describe(SpooledMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (messageId, subject) = HeaderCache.GetValue(message, m => new System.Runtime.CompilerServices.StrongBox<(string?, string?)>(Headers(m.Content))).Value;
        return new MessageHeaders(messageId, subject, message.Content.Length - TraceLength(message.Content.Span));
    }

    /// <summary>Length of our own "Received: from … by …\r\n with …; date\r\n" in front of the content, 0 when it is not there (reports we generate).</summary>
    private static int TraceLength(ReadOnlySpan<byte> content)
    {
        if (!content.StartsWith("Received: from "u8))
        {
            return 0;
        }

        var first = content.IndexOf("\r\n"u8);
        if (first < 0 || !content[(first + 2)..].StartsWith(" with "u8))
        {
            return 0;
        }

        var second = content[(first + 2)..].IndexOf("\r\n"u8);
        return second < 0 ? 0 : first + 2 + second + 2;
    }

    /// <summary>Message-ID and Subject from the header block only (MimeKit stops at the blank line), so every event can be searched by them.</summary>
    private static (string? MessageId, string? Subject) Headers(ReadOnlyMemory<byte> content)
    {
        try
        {
            using var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(content.ToArray(), writable: false);
            var headers = MimeKit.HeaderList.Load(stream);
            return (headers[MimeKit.HeaderId.MessageId]?.Trim(), headers[MimeKit.HeaderId.Subject]);
        }
        catch (MimeKit.ParseException)
        {
            return (null, null);
        }
    }
}
