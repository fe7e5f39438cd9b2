using MailFlow.Core.Diagnostics;
using System.Collections.Concurrent;
using MailFlow.Configuration.Model;
using MailFlow.Logs;
using MailFlow.Queue;
using MailFlow.Transport.Routing;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// Takes due messages from the queue (at most MaxActiveMessages per pass), routes each pending
/// recipient (local Maildir or a send connector), sends to each destination over a few reused
/// connections (MaxPerDomainOutboundConnections, MaxOutboundConnections, SmtpMaxMessagesPerConnection),
/// records every recipient's outcome as soon as it is known, schedules the next attempt with
/// Exchange's retry settings, and writes DELIVER / SEND / DEFER / FAIL / DSN tracking events.
/// </summary>
public sealed class DeliveryAgent
{
    private readonly MailFlowConfiguration configuration;
    private readonly QueueDatabase queue;
    private readonly Lock queueLock = new(); // one SQLite connection, several delivery workers
    private readonly Spool spool;
    private readonly MaildirDelivery maildir;
    private readonly OutboundDelivery outbound;
    private readonly MessageTrackingLog tracking;
    private readonly RecipientRouter router;
    private readonly SenderNotifier notifier;
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
        notifier = new SenderNotifier(spool, tracking, configuration.Server.Fqdn);
    }

    /// <summary>Ingests new spool files and makes one attempt for every due message; returns how many messages were attempted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<QueuedMessage> due;
        lock (queueLock)
        {
            queue.Ingest(spool, configuration.Transport.MessageExpirationTimeout);
            due = queue.Due(time.GetUtcNow(), configuration.Transport.MaxActiveMessages);
        }

        var attempts = new List<MessageAttempt>();
        foreach (var message in due)
        {
            try
            {
                attempts.Add(Begin(message));
            }
            catch (Exception ex) when (ex is Core.Errors.MailFlowException or IOException or MimeKit.ParseException)
            {
                // One unreadable message must not hold up the others: it goes to the poison queue with the reason.
                lock (queueLock)
                {
                    queue.MarkPoison(message.Id, ex.Message);
                }
            }
        }

        var destinations = attempts
            .SelectMany(a => a.Outbound)
            .GroupBy(w => w.Destination)
            .ToList();
        using var connections = new SemaphoreSlim(configuration.Transport.MaxOutboundConnections);
        await Task.WhenAll(destinations.Select(d => DeliverToDestinationAsync(d.ToList(), connections, cancellationToken)));

        foreach (var attempt in attempts)
        {
            Finish(attempt);
        }

        return due.Count;
    }

    /// <summary>Reads the message, settles expiry, local and unroutable recipients, and lists the outbound work.</summary>
    private MessageAttempt Begin(QueuedMessage queued)
    {
        var attempt = new MessageAttempt(queued, Spool.Read(queued.SpoolPath), time.GetUtcNow());
        var pending = queued.Recipients.Where(r => r.State == RecipientState.Pending).Select(r => r.Address).ToList();
        if (attempt.Now >= queued.ExpiresUtc)
        {
            const string expired = "550 4.4.7 QUEUE.Expired; message expired";
            foreach (var recipient in pending)
            {
                Record(queued.Id, recipient, RecipientState.Failed, expired);
                attempt.Failed.Add(new FailedRecipient(recipient, expired));
            }

            Track("FAIL", "QUEUE", attempt.Message, pending, expired, null, null);
            TransportMetrics.RecipientsFailed(pending.Count, expired);
            attempt.Expired = true;
            return attempt;
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
                        maildir.Deliver(recipient, attempt.Message.Envelope.MailFrom, attempt.Message.Content.Span);
                        Record(queued.Id, recipient, RecipientState.Delivered, "250 2.0.0 delivered to Maildir");
                    }

                    Track("DELIVER", "STOREDRIVER", attempt.Message, recipients, "250 2.0.0 delivered to Maildir", null, null);
                    TransportMetrics.RecipientsDelivered(recipients.Count, "maildir");
                    break;

                case RouteKind.SendConnector:
                    // Exchange names a smart-host queue after its connector and a DNS queue after the domain.
                    var connector = route.Connector!;
                    var nextHop = connector.DNSRoutingEnabled ? route.Domain : connector.Name;
                    attempt.Outbound.Add(new OutboundWork(attempt, connector, route.Domain, new Destination(connector.Name, nextHop), recipients));
                    break;

                default:
                    var unroutable = "550 5.4.4 Unable to route: " + route.Reason;
                    foreach (var recipient in recipients)
                    {
                        Record(queued.Id, recipient, RecipientState.Failed, unroutable);
                        attempt.Failed.Add(new FailedRecipient(recipient, unroutable));
                    }

                    Track("FAIL", "ROUTING", attempt.Message, recipients, "550 5.4.4 Unable to route", null, null, route.Reason);
                    TransportMetrics.RecipientsFailed(recipients.Count, unroutable);
                    break;
            }
        }

        return attempt;
    }

    /// <summary>
    /// Works through one destination's messages on up to MaxPerDomainOutboundConnections connections,
    /// each carrying up to SmtpMaxMessagesPerConnection messages. When a connection cannot be opened,
    /// every remaining message for the destination gets that failure without another connection attempt,
    /// as Exchange puts the whole queue into Retry.
    /// </summary>
    private async Task DeliverToDestinationAsync(List<OutboundWork> work, SemaphoreSlim connections, CancellationToken cancellationToken)
    {
        var connector = work[0].Connector;
        var perConnection = connector.SmtpMaxMessagesPerConnection;
        var pending = new ConcurrentQueue<OutboundWork>(work);
        OutboundFailure? destinationFailure = null;
        var workers = Math.Clamp((work.Count + perConnection - 1) / perConnection, 1, configuration.Transport.MaxPerDomainOutboundConnections);

        async Task WorkerAsync()
        {
            OutboundSession? session = null;
            try
            {
                while (pending.TryDequeue(out var item))
                {
                    if (session is not null && (!session.IsReusable || session.MessagesSent >= perConnection))
                    {
                        await session.DisposeAsync();
                        connections.Release();
                        session = null;
                    }

                    if (session is null && Volatile.Read(ref destinationFailure) is null)
                    {
                        await connections.WaitAsync(cancellationToken);
                        (session, var failure) = await outbound.ConnectAsync(connector, item.Domain, cancellationToken);
                        if (session is null)
                        {
                            connections.Release();
                            Interlocked.CompareExchange(ref destinationFailure, failure, null);
                        }
                    }

                    var result = session is null
                        ? OutboundAttempt.AllRecipients(item.Recipients, Volatile.Read(ref destinationFailure)!)
                        : await session.SendAsync(item.Attempt.Message.Envelope, item.Recipients, item.Attempt.Message.Content, cancellationToken);
                    Settle(item, result);
                }
            }
            finally
            {
                if (session is not null)
                {
                    await session.DisposeAsync();
                    connections.Release();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkerAsync, cancellationToken)));
    }

    /// <summary>Writes every recipient's outcome of one send at once, and its tracking events.</summary>
    private void Settle(OutboundWork item, OutboundAttempt result)
    {
        var message = item.Attempt.Message;
        var connectorName = item.Connector.Name;
        var sent = new List<string>();
        var failed = new List<string>();
        var deferred = new List<string>();
        foreach (var (recipient, outcome) in result.Recipients)
        {
            var state = outcome.Delivered ? RecipientState.Delivered : outcome.Permanent ? RecipientState.Failed : RecipientState.Pending;
            Record(item.Attempt.Queued.Id, recipient, state, outcome.Status, item.Destination.NextHop);
            (state == RecipientState.Delivered ? sent : state == RecipientState.Failed ? failed : deferred).Add(recipient);
        }

        lock (item.Attempt.Gate)
        {
            item.Attempt.Failed.AddRange(failed.Select(r => new FailedRecipient(r, result.Recipients[r].Status)));
        }

        if (sent.Count > 0)
        {
            TransportMetrics.RecipientsDelivered(sent.Count, "smtp");
            Track("SEND", "SMTP", message, sent, result.Recipients[sent[0]].Status, connectorName, result.TargetHost);
        }

        if (failed.Count > 0)
        {
            TransportMetrics.RecipientsFailed(failed.Count, result.Recipients[failed[0]].Status);
            Track("FAIL", "SMTP", message, failed, result.Recipients[failed[0]].Status, connectorName, result.TargetHost, result.Reason);
        }

        if (deferred.Count > 0)
        {
            var detail = result.LastErrorDetail ?? result.Recipients[deferred[0]].Status;
            TransportMetrics.RecipientsDeferred(deferred.Count, detail);
            lock (item.Attempt.Gate)
            {
                item.Attempt.LastError = OnPremisesLastError(item.Attempt.Now, detail, result.TargetHost, result.TargetAddress);
                item.Attempt.ConnectionFailed |= result.ConnectionFailed;
                item.Attempt.Deferred.AddRange(deferred.Select(r => new FailedRecipient(r, detail)));
            }

            Track("DEFER", "SMTP", message, deferred, detail, connectorName, result.TargetHost, result.Reason);
        }
    }

    /// <summary>Closes the attempt: schedule or final state, NDR for failed recipients, a delay DSN once when due.</summary>
    private void Finish(MessageAttempt attempt)
    {
        MessageState state;
        lock (queueLock)
        {
            state = queue.FinishAttempt(attempt.Queued.Id, attempt.Expired ? attempt.Now : NextAttempt(attempt.Queued.Attempts + 1, attempt.ConnectionFailed, attempt.Now), attempt.Expired ? "550 4.4.7 QUEUE.Expired; message expired" : attempt.LastError);
        }

        notifier.Notify(attempt.Message, attempt.Failed, attempt.Now, ReportAction.Failed);
        if (state is MessageState.Delivered or MessageState.Failed)
        {
            // Every recipient is settled and any NDR is spooled on its own: the bytes are no longer needed.
            // A crash before this line leaves the file for Ingest to delete.
            File.Delete(attempt.Queued.SpoolPath);
        }
        var overdue = attempt.Now - attempt.Message.Envelope.ReceivedUtc >= configuration.Transport.DelayNotificationTimeout;
        if (attempt.Deferred.Count > 0 && overdue && !attempt.Queued.DelayNotified)
        {
            notifier.Notify(attempt.Message, attempt.Deferred, attempt.Now, ReportAction.Delayed, attempt.Queued.ExpiresUtc);
            lock (queueLock)
            {
                queue.MarkDelayNotified(attempt.Queued.Id);
            }
        }
    }

    /// <summary>
    /// The queue's LastError as on-premises Exchange writes it (Get-Queue): LRT first, then LED, FQDN, IP.
    /// The tracking log keeps Exchange Online's message-trace form.
    /// </summary>
    public static string OnPremisesLastError(DateTimeOffset lastRetry, string detail, string? host, string? address) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"[{{LRT={lastRetry.UtcDateTime:M/d/yyyy h:mm:ss tt}}};{{LED={detail}}};{{FQDN={host}}};{{IP={address}}}]");

    /// <summary>
    /// Exchange's schedule (exchange-semantics.md §9.1, docs/decisions/0006). When the destination could
    /// not be reached: QueueGlitchRetryCount attempts QueueGlitchRetryInterval apart, then
    /// TransientFailureRetryCount attempts TransientFailureRetryInterval apart, then one every
    /// OutboundConnectionFailureRetryInterval. When the server answered but deferred this message (a 4xx
    /// to MAIL, RCPT or DATA), the message waits MessageRetryInterval.
    /// </summary>
    private DateTimeOffset NextAttempt(int attemptsMade, bool connectionFailed, DateTimeOffset now)
    {
        var settings = configuration.Transport;
        if (!connectionFailed)
        {
            return now + settings.MessageRetryInterval;
        }

        var wait = attemptsMade <= settings.QueueGlitchRetryCount ? settings.QueueGlitchRetryInterval
            : attemptsMade <= settings.QueueGlitchRetryCount + settings.TransientFailureRetryCount ? settings.TransientFailureRetryInterval
            : settings.OutboundConnectionFailureRetryInterval;
        return now + wait;
    }

    private void Record(string id, string recipient, RecipientState state, string status, string? nextHop = null)
    {
        lock (queueLock)
        {
            queue.RecordRecipient(id, recipient, state, status, nextHop);
        }
    }

    private void Track(string eventId, string source, SpooledMessage message, IReadOnlyList<string> recipients, string status, string? connector, string? serverHost, string? reason = null) =>
        tracking.Write(TrackingEvents.For(eventId, source, message, recipients, status, connector, serverHost, reason));

    /// <summary>One message's attempt in this pass; workers for different destinations add to it concurrently.</summary>
    private sealed class MessageAttempt(QueuedMessage queued, SpooledMessage message, DateTimeOffset now)
    {
        public QueuedMessage Queued { get; } = queued;

        public SpooledMessage Message { get; } = message;

        public DateTimeOffset Now { get; } = now;

        public bool Expired { get; set; }

        public List<OutboundWork> Outbound { get; } = [];

        /// <summary>Guards Failed, Deferred and LastError while destinations are worked in parallel.</summary>
        public Lock Gate { get; } = new();

        public List<FailedRecipient> Failed { get; } = [];

        public List<FailedRecipient> Deferred { get; } = [];

        public string? LastError { get; set; }

        /// <summary>Some destination of this message could not be reached at all (the connection-failure schedule applies).</summary>
        public bool ConnectionFailed { get; set; }
    }

    private readonly record struct Destination(string Connector, string NextHop);

    private sealed record OutboundWork(MessageAttempt Attempt, SendConnector Connector, string Domain, Destination Destination, List<string> Recipients);
}
