using MailFlow.Configuration.Model;
using MailFlow.Logs;
using MailFlow.Queue;
using MailFlow.Transport.Routing;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// Takes due messages from the queue, routes each pending recipient (local Maildir or a send
/// connector), records every recipient's outcome as soon as it is known, schedules the next attempt
/// with Exchange's retry settings, and writes DELIVER / SEND / DEFER / FAIL tracking events.
/// </summary>
public sealed class DeliveryAgent
{
    private readonly MailFlowConfiguration configuration;
    private readonly QueueDatabase queue;
    private readonly Spool spool;
    private readonly MaildirDelivery maildir;
    private readonly OutboundDelivery outbound;
    private readonly MessageTrackingLog tracking;
    private readonly RecipientRouter router;
    private readonly TimeProvider time;

    public DeliveryAgent(MailFlowConfiguration configuration, QueueDatabase queue, Spool spool, MaildirDelivery maildir, OutboundDelivery outbound, MessageTrackingLog tracking, TimeProvider? time = null)
    {
        this.configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        this.queue = queue ?? throw new ArgumentNullException(nameof(queue));
        this.spool = spool ?? throw new ArgumentNullException(nameof(spool));
        this.maildir = maildir ?? throw new ArgumentNullException(nameof(maildir));
        this.outbound = outbound ?? throw new ArgumentNullException(nameof(outbound));
        this.tracking = tracking ?? throw new ArgumentNullException(nameof(tracking));
        this.time = time ?? TimeProvider.System;
        router = new RecipientRouter(configuration);
    }

    /// <summary>Ingests new spool files and makes one attempt for every due message; returns how many messages were attempted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        queue.Ingest(spool, configuration.Transport.MessageExpirationTimeout);
        var due = queue.Due(time.GetUtcNow(), limit: 100);
        foreach (var message in due)
        {
            try
            {
                await AttemptAsync(message, cancellationToken);
            }
            catch (Exception ex) when (ex is Core.Errors.MailFlowException or IOException or MimeKit.ParseException)
            {
                // One unreadable message must not hold up the others: it goes to the poison queue with the reason.
                queue.MarkPoison(message.Id, ex.Message);
            }
        }

        return due.Count;
    }

    private async Task AttemptAsync(QueuedMessage queued, CancellationToken cancellationToken)
    {
        var spooled = Spool.Read(queued.SpoolPath);
        var now = time.GetUtcNow();
        var pending = queued.Recipients.Where(r => r.State == RecipientState.Pending).Select(r => r.Address).ToList();
        var failedNow = new List<FailedRecipient>();
        string? lastError = null;
        if (now >= queued.ExpiresUtc)
        {
            const string expired = "550 4.4.7 QUEUE.Expired; message expired";
            foreach (var recipient in pending)
            {
                queue.RecordRecipient(queued.Id, recipient, RecipientState.Failed, expired);
                failedNow.Add(new FailedRecipient(recipient, expired));
            }

            Track("FAIL", "QUEUE", spooled, pending, expired, null, null);
            queue.FinishAttempt(queued.Id, now, expired);
            ReturnToSender(spooled, failedNow, now);
            return;
        }

        foreach (var group in pending.GroupBy(r => router.RouteFor(r)))
        {
            var route = group.Key;
            var recipients = group.ToList();
            switch (route.Kind)
            {
                case RouteKind.Local:
                    foreach (var recipient in recipients)
                    {
                        maildir.Deliver(recipient, spooled.Envelope.MailFrom, spooled.Content.Span);
                        queue.RecordRecipient(queued.Id, recipient, RecipientState.Delivered, "250 2.0.0 delivered to Maildir");
                    }

                    Track("DELIVER", "STOREDRIVER", spooled, recipients, "250 2.0.0 delivered to Maildir", null, null);
                    break;

                case RouteKind.SendConnector:
                    var attempt = await outbound.SendAsync(route.Connector!, spooled.Envelope.MailFrom, recipients, spooled.Content, cancellationToken);
                    foreach (var (recipient, outcome) in attempt.Recipients)
                    {
                        if (outcome.Delivered || outcome.Permanent)
                        {
                            queue.RecordRecipient(queued.Id, recipient, outcome.Delivered ? RecipientState.Delivered : RecipientState.Failed, outcome.Status);
                        }

                        if (!outcome.Delivered && outcome.Permanent)
                        {
                            failedNow.Add(new FailedRecipient(recipient, outcome.Status));
                        }
                    }

                    var sent = attempt.Recipients.Where(r => r.Value.Delivered).Select(r => r.Key).ToList();
                    var failed = attempt.Recipients.Where(r => !r.Value.Delivered && r.Value.Permanent).Select(r => r.Key).ToList();
                    var deferred = attempt.Recipients.Where(r => !r.Value.Delivered && !r.Value.Permanent).Select(r => r.Key).ToList();
                    if (sent.Count > 0)
                    {
                        Track("SEND", "SMTP", spooled, sent, attempt.Recipients[sent[0]].Status, route.Connector!.Name, attempt.TargetHost);
                    }

                    if (failed.Count > 0)
                    {
                        Track("FAIL", "SMTP", spooled, failed, attempt.Recipients[failed[0]].Status, route.Connector!.Name, attempt.TargetHost);
                    }

                    if (deferred.Count > 0)
                    {
                        lastError = OnPremisesLastError(now, attempt.LastErrorDetail ?? attempt.Recipients[deferred[0]].Status, attempt.TargetHost, attempt.TargetAddress);
                        Track("DEFER", "SMTP", spooled, deferred, attempt.LastErrorDetail ?? attempt.Recipients[deferred[0]].Status, route.Connector!.Name, attempt.TargetHost, attempt.Reason);
                    }

                    break;

                default:
                    foreach (var recipient in recipients)
                    {
                        queue.RecordRecipient(queued.Id, recipient, RecipientState.Failed, "550 5.4.4 Unable to route: " + route.Reason);
                        failedNow.Add(new FailedRecipient(recipient, "550 5.4.4 Unable to route: " + route.Reason));
                    }

                    Track("FAIL", "ROUTING", spooled, recipients, "550 5.4.4 Unable to route", null, null, route.Reason);
                    break;
            }
        }

        queue.FinishAttempt(queued.Id, NextAttempt(queued.Attempts + 1, now), lastError);
        ReturnToSender(spooled, failedNow, now);
    }

    /// <summary>
    /// Queues an NDR to the sender for recipients that failed for good. Never to the null sender: an
    /// NDR itself has MAIL FROM:&lt;&gt;, so a failing NDR cannot produce another (no NDR loops).
    /// </summary>
    private void ReturnToSender(SpooledMessage original, List<FailedRecipient> failed, DateTimeOffset now)
    {
        if (failed.Count == 0 || original.Envelope.MailFrom.Length == 0)
        {
            return;
        }

        var report = NonDeliveryReport.Build(original, failed, configuration.Server.Fqdn, now);
        var envelope = new SpooledEnvelope
        {
            Id = Guid.CreateVersion7().ToString("N"),
            InternalId = now.UtcTicks,
            ReceivedUtc = now,
            ConnectorId = "DSN",
            SessionId = string.Empty,
            ClientAddress = "127.0.0.1",
            ClientHelo = configuration.Server.Fqdn,
            MailFrom = string.Empty,
            Recipients = [new SpooledRecipient(original.Envelope.MailFrom)],
        };
        using var bytes = new MemoryStream();
        report.WriteTo(new MimeKit.FormatOptions { NewLineFormat = MimeKit.NewLineFormat.Dos }, bytes);
        using var transaction = spool.Begin(envelope);
        transaction.Write(bytes.ToArray());
        transaction.Commit();
        Track("DSN", "DSN", original, failed.Select(f => f.Address).ToList(), failed[0].Status, null, null, $"NDR {envelope.Id} to {original.Envelope.MailFrom}");
    }

    /// <summary>
    /// The queue's LastError as on-premises Exchange writes it (Get-Queue): LRT first, then LED, FQDN, IP.
    /// The tracking log keeps Exchange Online's message-trace form.
    /// </summary>
    public static string OnPremisesLastError(DateTimeOffset lastRetry, string detail, string? host, string? address) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"[{{LRT={lastRetry.UtcDateTime:M/d/yyyy h:mm:ss tt}}};{{LED={detail}}};{{FQDN={host}}};{{IP={address}}}]");

    /// <summary>
    /// Exchange's schedule (exchange-semantics.md §9.1): TransientFailureRetryCount attempts
    /// TransientFailureRetryInterval apart, then one every OutboundConnectionFailureRetryInterval.
    /// </summary>
    private DateTimeOffset NextAttempt(int attemptsMade, DateTimeOffset now)
    {
        var settings = configuration.Transport;
        return now + (attemptsMade <= settings.TransientFailureRetryCount ? settings.TransientFailureRetryInterval : settings.OutboundConnectionFailureRetryInterval);
    }

    private void Track(string eventId, string source, SpooledMessage message, IReadOnlyList<string> recipients, string status, string? connector, string? serverHost, string? reason = null) =>
        tracking.Write(new TrackingEvent
        {
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
        });
}
