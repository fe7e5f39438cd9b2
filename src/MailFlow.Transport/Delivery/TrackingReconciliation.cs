using System.Collections.Frozen;
using System.Diagnostics;
using MailFlow.Logs;
using MailFlow.Logs.Reading;
using MailFlow.Queue;

namespace MailFlow.Transport.Delivery;

/// <summary>What start-up reconciliation found and did.</summary>
/// <param name="Candidates">RECEIVE and final events the queue could not confirm (written or not before the stop).</param>
/// <param name="Written">Events missing from the log and written now, marked as recovered.</param>
/// <param name="FilesScanned">Tracking log files read to tell the two apart.</param>
/// <param name="TornRows">Files whose last row a crash had cut short, and which were cut back to their last whole row.</param>
public sealed record ReconciliationResult(int Candidates, int Written, int FilesScanned, int Pruned, TimeSpan Elapsed, int TornRows = 0);

/// <summary>
/// Start-up repair of the message tracking log (docs/decisions/0020). The writer is buffered, so a crash
/// loses the events of its last second; the queue database knows every message and final outcome and
/// which of their events were confirmed on disk. Only the unconfirmed ones are looked up, only in the
/// log files written since the earliest of them, and those missing are written with their original time
/// and <c>source-context</c> "Recovered at start-up". An event that did reach the log is never written twice.
/// </summary>
public static class TrackingReconciliation
{
    /// <summary>source-context of every event written by reconciliation.</summary>
    public const string RecoveredSourceContext = "Recovered at start-up";

    /// <summary>The events that close a recipient's story (the ones reconciliation restores besides RECEIVE).</summary>
    public static readonly FrozenSet<string> FinalEvents = FrozenSet.Create(StringComparer.Ordinal, "DELIVER", "SEND", "FAIL");

    /// <summary>
    /// File times are kept to the second or coarser on some file systems, and an event is stamped just
    /// before it is queued to the writer: files last written this long before the earliest candidate
    /// still get read.
    /// </summary>
    private static readonly TimeSpan FileTimeSlack = TimeSpan.FromSeconds(5);

    /// <summary>Run before the receive side starts, so no new event can be mistaken for a candidate.</summary>
    public static async Task<ReconciliationResult> RunAsync(QueueDatabase queue, string trackingDirectory, LogRotation rotation, TimeProvider? time = null, ExchangeVersion version = ExchangeVersion.Exchange2016)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(rotation);
        var clock = Stopwatch.StartNew();

        // A torn row would count as "seen" by its ids while missing its recipients: cut it off first, so
        // its event is judged lost and written whole (found by the 50-cycle soak: a SEND twice).
        var torn = Directory.Exists(trackingDirectory)
            ? Directory.EnumerateFiles(trackingDirectory, ExchangeLogFormat.MessageTracking.FilePrefix + "*.LOG").Count(TornRow.TrimTail)
            : 0;
        var receives = queue.UntrackedReceives();
        var outcomes = queue.UntrackedOutcomes();
        var candidates = receives.Count + outcomes.Count;
        if (candidates == 0)
        {
            return new ReconciliationResult(0, 0, 0, queue.PruneSettled(), clock.Elapsed, torn);
        }

        var earliest = receives.Select(m => m.ReceivedUtc).Concat(outcomes.Select(o => o.Event.Utc)).Min();
        var (seenReceives, seenOutcomes, files) = Scan(trackingDirectory, earliest - FileTimeSlack);

        var missing = new List<TrackingEvent>();
        missing.AddRange(receives.Where(m => !seenReceives.Contains(m.Id)).Select(Receive));

        // One row per message, event and outcome, as the delivery side groups recipients when it writes them.
        missing.AddRange(outcomes
            .Where(o => !seenOutcomes.Contains((o.Message.Id, o.Address.ToUpperInvariant())))
            .GroupBy(o => (o.Message.Id, o.Event))
            .Select(g => Final(g.First().Message, g.Key.Event, [.. g.Select(o => o.Address)])));

        if (missing.Count > 0)
        {
            var writer = new ExchangeLogWriter(trackingDirectory, ExchangeLogFormat.MessageTrackingFor(version), rotation, time);
            try
            {
                var log = new MessageTrackingLog(writer, time);
                foreach (var e in missing.OrderBy(e => e.Timestamp))
                {
                    log.Write(e);
                }

                await writer.FlushAsync(toDisk: true);
            }
            finally
            {
                await writer.DisposeAsync();
            }
        }

        queue.ConfirmTracking([.. receives.Select(m => m.Id)], [.. outcomes.Select(o => (o.Message.Id, o.Address))]);
        return new ReconciliationResult(candidates, missing.Count, files, queue.PruneSettled(), clock.Elapsed, torn);
    }

    /// <summary>The RECEIVE and final events (by queue id, and queue id + upper-cased recipient) in the tracking files written since <paramref name="since"/>.</summary>
    private static (HashSet<string> Receives, HashSet<(string, string)> Outcomes, int Files) Scan(string directory, DateTimeOffset since)
    {
        var receives = new HashSet<string>(StringComparer.Ordinal);
        var outcomes = new HashSet<(string, string)>();
        var files = Directory.Exists(directory)
            ? new DirectoryInfo(directory).EnumerateFiles(ExchangeLogFormat.MessageTracking.FilePrefix + "*.LOG").Where(f => f.LastWriteTimeUtc >= since.UtcDateTime).ToList()
            : [];
        var reader = new ExchangeLogReader();
        foreach (var row in files.SelectMany(f => reader.Read(f.FullName)))
        {
            var eventId = row["event-id"];
            if (eventId is null || !Guid.TryParse(row["network-message-id"], out var network))
            {
                continue;
            }

            var id = network.ToString("N");
            if (eventId == "RECEIVE")
            {
                receives.Add(id);
            }
            else if (FinalEvents.Contains(eventId))
            {
                foreach (var recipient in (row["recipient-address"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    outcomes.Add((id, recipient.ToUpperInvariant()));
                }
            }
        }

        return (receives, outcomes, files.Count);
    }

    /// <summary>RECEIVE as the SMTP session writes it; the session id moves to custom-data because source-context carries the recovery mark.</summary>
    private static TrackingEvent Receive(TrackedMessage message)
    {
        var facts = message.Facts ?? new MessageFacts();
        return new TrackingEvent
        {
            Timestamp = message.ReceivedUtc,
            EventId = "RECEIVE",
            Source = "SMTP",
            ClientIp = facts.ClientIp,
            ClientHostname = facts.ClientHostname,
            ServerIp = facts.ServerIp,
            ServerHostname = facts.ServerHostname,
            SourceContext = RecoveredSourceContext,
            ConnectorId = facts.ConnectorId,
            InternalMessageId = facts.InternalId,
            MessageId = facts.MessageId ?? $"<{message.Id}@{facts.ServerHostname}>",
            NetworkMessageId = Guid.ParseExact(message.Id, "N"),
            Recipients = facts.Recipients,
            RecipientStatus = [.. facts.Recipients.Select(_ => "250 2.1.5 Recipient OK")],
            TotalBytes = facts.ClientBytes,
            Subject = facts.Subject,
            Sender = message.MailFrom,
            ReturnPath = message.MailFrom,
            Directionality = "Incoming",
            CustomData = facts.SessionId.Length > 0 ? "S:SessionId=" + facts.SessionId : null,
        };
    }

    /// <summary>DELIVER/SEND/FAIL as <see cref="TrackingEvents.For"/> writes them.</summary>
    private static TrackingEvent Final(TrackedMessage message, FinalEvent final, IReadOnlyList<string> recipients)
    {
        var facts = message.Facts ?? new MessageFacts();
        return new TrackingEvent
        {
            Timestamp = final.Utc,
            EventId = final.EventId,
            Source = final.Source,
            ClientIp = final.ClientIp,
            ServerIp = final.ServerIp,
            ServerHostname = final.ServerHost,
            SourceContext = RecoveredSourceContext,
            ConnectorId = final.Connector,
            InternalMessageId = facts.InternalId,
            MessageId = facts.MessageId,
            NetworkMessageId = Guid.ParseExact(message.Id, "N"),
            Recipients = recipients,
            RecipientStatus = [.. recipients.Select(_ => final.Status)],
            TotalBytes = facts.TotalBytes,
            Subject = facts.Subject,
            Sender = message.MailFrom,
            ReturnPath = message.MailFrom,
            Directionality = "Originating",
            CustomData = final.Reason,
        };
    }
}
