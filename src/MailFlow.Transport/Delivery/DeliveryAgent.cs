using MailFlow.Core.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Recipients;
using MailFlow.Logs;
using MailFlow.Queue;
using MailFlow.Transport.Routing;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// Takes due messages from the queue (at most MaxActiveMessages in flight), routes each pending
/// recipient (local Maildir or a send connector), hands outbound work to one queue per destination
/// whose connections take it as it comes (MaxPerDomainOutboundConnections, MaxOutboundConnections,
/// SmtpMaxMessagesPerConnection), records every recipient's outcome as soon as it is known, schedules
/// the next attempt with Exchange's retry settings, and writes DELIVER / SEND / DEFER / FAIL / DSN
/// tracking events. Messages finish one by one: no message waits for another (docs/decisions/0018).
/// </summary>
public sealed class DeliveryAgent : IAsyncDisposable
{
    private readonly MailFlowConfiguration configuration;
    private readonly QueueDatabase queue;
    private readonly Lock queueLock = new(); // one SQLite connection, several delivery workers
    private readonly Spool spool;
    private readonly MaildirDelivery maildir;
    private readonly MessageTrackingLog tracking;
    private readonly RecipientRouter router;
    private readonly RecipientResolver resolver;
    private readonly SenderNotifier notifier;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource stopping = new();
    private readonly DestinationLimits limits;
    private readonly ConcurrentDictionary<Destination, DestinationQueue> destinations = new();

    /// <summary>Attempts in progress, by message id; guarded by queueLock so Due never hands a message out twice.</summary>
    private readonly Dictionary<string, Task> inFlight = [];

    public DeliveryAgent(MailFlowConfiguration configuration, QueueDatabase queue, Spool spool, MaildirDelivery maildir, OutboundDelivery outbound, MessageTrackingLog tracking, TimeProvider? time = null)
    {
        this.configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        this.queue = queue ?? throw new ArgumentNullException(nameof(queue));
        this.spool = spool ?? throw new ArgumentNullException(nameof(spool));
        this.maildir = maildir ?? throw new ArgumentNullException(nameof(maildir));
        this.tracking = tracking ?? throw new ArgumentNullException(nameof(tracking));
        this.time = time ?? TimeProvider.System;
        router = new RecipientRouter(configuration);
        resolver = new RecipientResolver(configuration);
        notifier = new SenderNotifier(spool, tracking, configuration.Server.Fqdn);
        limits = new DestinationLimits(configuration.Transport.MaxPerDomainOutboundConnections, new SemaphoreSlim(configuration.Transport.MaxOutboundConnections),
            outbound ?? throw new ArgumentNullException(nameof(outbound)), Settle, stopping.Token);
    }

    /// <summary>Raised when an attempt ends after MaxActiveMessages held dispatch back, so the dispatcher looks again.</summary>
    public event Action? CapacityFreed;

    /// <summary>The last dispatch filled every free slot: more messages may be due (guarded by queueLock).</summary>
    private bool heldBack;

    /// <summary>Messages whose attempt is in progress.</summary>
    public int InFlight
    {
        get
        {
            lock (queueLock)
            {
                return inFlight.Count;
            }
        }
    }

    /// <summary>
    /// Ingests new spool files and starts an attempt for every due message not already in flight, up to
    /// MaxActiveMessages in flight. Returns the attempts started; each completes when its message is
    /// settled for this attempt, or faults with the reason it was abandoned (the message stays due).
    /// </summary>
    public IReadOnlyList<Task> Dispatch()
    {
        lock (queueLock)
        {
            queue.Ingest(spool, configuration.Transport.MessageExpirationTimeout, TrackingEvents.Describe);
            var room = configuration.Transport.MaxActiveMessages - inFlight.Count;
            if (room <= 0)
            {
                heldBack = true;
                return [];
            }

            var due = queue.Due(time.GetUtcNow(), room, inFlight.Keys);
            heldBack = due.Count == room;
            var started = new List<Task>();
            foreach (var message in due)
            {
                var attempt = Task.Run(() => AttemptAsync(message));
                inFlight.Add(message.Id, attempt);
                started.Add(attempt);
            }

            return started;
        }
    }

    /// <summary>Makes one attempt for every due message and waits until each is settled; returns how many were attempted.</summary>
    public async Task<int> RunOnceAsync()
    {
        var attempts = Dispatch();
        await Task.WhenAll(attempts);
        return attempts.Count;
    }

    /// <summary>
    /// Lets the attempts in progress finish, or after <paramref name="grace"/> cancels their network
    /// operations (those messages stay due); then closes every connection.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Task[] inProgress;
        lock (queueLock)
        {
            inProgress = [.. inFlight.Values];
        }

        var all = Task.WhenAll(inProgress);
        if (await Task.WhenAny(all, Task.Delay(grace)) != all)
        {
            await stopping.CancelAsync();
        }

        await all.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(destinations.Values.Select(d => d.CloseAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        stopping.Dispose();
        limits.Connections.Dispose();
    }

    /// <summary>One message: local and unroutable recipients now, outbound work to its destinations, then Finish when all are settled.</summary>
    private async Task AttemptAsync(QueuedMessage message)
    {
        try
        {
            MessageAttempt attempt;
            try
            {
                attempt = Begin(message);
            }
            catch (Exception ex) when (ex is Core.Errors.MailFlowException or IOException or MimeKit.ParseException)
            {
                // One unreadable message must not hold up the others: it goes to the poison queue with the reason.
                lock (queueLock)
                {
                    queue.MarkPoison(message.Id, ex.Message);
                }

                return;
            }

            if (attempt.Dispatching())
            {
                attempt.Complete();
            }
            else
            {
                foreach (var work in attempt.Outbound)
                {
                    destinations.GetOrAdd(work.Destination, _ => new DestinationQueue(work.Connector, work.Domain, limits)).Enqueue(work);
                }
            }

            await attempt.Completed;
            Finish(attempt);
        }
        finally
        {
            bool freed;
            lock (queueLock)
            {
                inFlight.Remove(message.Id);
                freed = heldBack;
                heldBack = false;
            }

            if (freed)
            {
                CapacityFreed?.Invoke();
            }
        }
    }

    /// <summary>Reads the message, settles expiry, local and unroutable recipients, and lists the outbound work.</summary>
    private MessageAttempt Begin(QueuedMessage queued)
    {
        var attempt = new MessageAttempt(queued, Spool.Read(queued.SpoolPath), time.GetUtcNow());
        var pending = queued.Recipients.Where(r => r.State == RecipientState.Pending).Select(r => r.Address).ToList();
        if (attempt.Now >= queued.ExpiresUtc)
        {
            FailTraced(attempt, pending, "queue", "QUEUE", "550 4.4.7 QUEUE.Expired; message expired");
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
                    DeliverLocally(attempt, recipients);
                    break;

                case RouteKind.SendConnector:
                    // Exchange names a smart-host queue after its connector and a DNS queue after the domain.
                    var connector = route.Connector!;
                    var nextHop = connector.DNSRoutingEnabled ? route.Domain : connector.Name;
                    attempt.Outbound.Add(new OutboundWork(attempt, connector, route.Domain, new Destination(connector.Name, nextHop), recipients));
                    break;

                default:
                    FailTraced(attempt, recipients, "none", "ROUTING", "550 5.4.4 Unable to route", route.Reason);
                    break;
            }
        }

        return attempt;
    }

    /// <summary>
    /// Delivers each recipient of an Authoritative domain into the Maildir of the mailbox it resolves to.
    /// One that resolves to none (accepted at RCPT because recipient validation is off) fails for good
    /// with Exchange's RecipientNotFound and an NDR, as Exchange does when it accepts and then cannot
    /// resolve: no folder is ever made from a recipient string.
    /// </summary>
    private void DeliverLocally(MessageAttempt attempt, List<string> recipients)
    {
        var trace = StartDeliver(attempt, "maildir", "localhost", ActivityKind.Internal, recipients.Count);
        var delivered = new List<string>();
        var unknown = new List<string>();
        foreach (var recipient in recipients)
        {
            if (resolver.Resolve(recipient) is { } mailbox)
            {
                maildir.Deliver(mailbox.Address, recipient, attempt.Message.Envelope.MailFrom, attempt.Message.Content.Span);
                delivered.Add(recipient);
            }
            else
            {
                unknown.Add(recipient);
            }
        }

        if (delivered.Count > 0)
        {
            var deliveredEvent = new FinalEvent(time.GetUtcNow(), "DELIVER", "STOREDRIVER", "250 2.0.0 delivered to Maildir");
            Record(attempt.Queued.Id, [.. delivered.Select(r => new RecipientRecord(r, RecipientState.Delivered, "250 2.0.0 delivered to Maildir", Event: deliveredEvent))]);
            Track("DELIVER", "STOREDRIVER", attempt.Message, delivered, "250 2.0.0 delivered to Maildir", null, null);
            TransportMetrics.RecipientsDelivered(delivered.Count, "maildir");
        }

        if (unknown.Count > 0)
        {
            FailNow(attempt, unknown, "RESOLVER", RecipientResolver.RecipientNotFound);
        }

        TransportTracing.EndDeliver(trace, delivered.Count, 0, unknown.Count, unknown.Count > 0 ? RecipientResolver.RecipientNotFound : "250 2.0.0 delivered to Maildir");
    }

    /// <summary>A delivery attempt's span, child of the message's receive span; its tags only when a listener records them.</summary>
    private static Activity? StartDeliver(MessageAttempt attempt, string route, string? nextHop, ActivityKind kind, int recipients)
    {
        var trace = TransportTracing.StartDeliver(attempt.Message.Envelope.TraceParent, kind, attempt.Now);
        if (trace is { IsAllDataRequested: true })
        {
            trace.SetTag(TransportTracing.Route, route);
            trace.SetTag(TransportTracing.NextHop, nextHop);
            trace.SetTag(TransportTracing.MessageId, TrackingEvents.Describe(attempt.Message).MessageId);
            trace.SetTag(TransportTracing.InternalMessageId, attempt.Message.Envelope.InternalId);
            trace.SetTag(TransportTracing.NetworkMessageId, attempt.Message.Envelope.Id);
            trace.SetTag(TransportTracing.RecipientCount, recipients);
            trace.SetTag(TransportTracing.Attempt, attempt.Queued.Attempts + 1);
        }

        return trace;
    }

    /// <summary>An attempt that settles recipients without sending (expired, or no route) still shows in the message's trace.</summary>
    private void FailTraced(MessageAttempt attempt, List<string> recipients, string route, string source, string status, string? reason = null)
    {
        var trace = StartDeliver(attempt, route, null, ActivityKind.Internal, recipients.Count);
        FailNow(attempt, recipients, source, status, reason);
        TransportTracing.EndDeliver(trace, 0, 0, recipients.Count, status);
    }

    /// <summary>
    /// Fails recipients for good before any send (expiry, no route, no mailbox): their state with the FAIL
    /// event kept for start-up reconciliation, the NDR list, the tracking event and the metric, all at once.
    /// </summary>
    private void FailNow(MessageAttempt attempt, List<string> recipients, string source, string status, string? reason = null)
    {
        var full = reason is null ? status : $"{status}: {reason}";
        var failed = new FinalEvent(attempt.Now, "FAIL", source, status, Reason: reason);
        Record(attempt.Queued.Id, [.. recipients.Select(r => new RecipientRecord(r, RecipientState.Failed, full, Event: failed))]);
        attempt.Failed.AddRange(recipients.Select(r => new FailedRecipient(r, full)));
        Track("FAIL", source, attempt.Message, recipients, status, null, null, reason);
        TransportMetrics.RecipientsFailed(recipients.Count, full);
    }

    /// <summary>Writes every recipient's outcome of one send at once, and its tracking events.</summary>
    private void Settle(OutboundWork item, OutboundAttempt result)
    {
        var message = item.Attempt.Message;
        var connectorName = item.Connector.Name;
        var sent = new List<string>();
        var failed = new List<string>();
        var deferred = new List<string>();
        var outcomes = new List<RecipientRecord>();
        var now = time.GetUtcNow();
        var firstSent = result.Recipients.Values.FirstOrDefault(o => o.Delivered)?.Status;
        var firstFailed = result.Recipients.Values.FirstOrDefault(o => !o.Delivered && o.Permanent)?.Status;
        foreach (var (recipient, outcome) in result.Recipients)
        {
            var state = outcome.Delivered ? RecipientState.Delivered : outcome.Permanent ? RecipientState.Failed : RecipientState.Pending;

            // The event as Track writes it below: one row per outcome, with the first recipient's status.
            var final = state switch
            {
                RecipientState.Delivered => new FinalEvent(now, "SEND", "SMTP", firstSent!, connectorName, result.TargetHost, ClientIp: result.LocalAddress, ServerIp: result.TargetAddress),
                RecipientState.Failed => new FinalEvent(now, "FAIL", "SMTP", firstFailed!, connectorName, result.TargetHost, result.Reason),
                _ => null,
            };
            outcomes.Add(new RecipientRecord(recipient, state, outcome.Status, item.Destination.NextHop, final));
            (state == RecipientState.Delivered ? sent : state == RecipientState.Failed ? failed : deferred).Add(recipient);
        }

        Record(item.Attempt.Queued.Id, outcomes);
        var trace = StartDeliver(item.Attempt, "smtp", item.Destination.NextHop, ActivityKind.Client, result.Recipients.Count);
        if (trace is { IsAllDataRequested: true })
        {
            trace.SetTag(TransportTracing.Connector, connectorName);
            trace.SetTag(TransportTracing.ServerAddress, result.TargetHost);
            trace.SetTag(TransportTracing.NetworkPeerAddress, result.TargetAddress);
        }

        lock (item.Attempt.Gate)
        {
            item.Attempt.Failed.AddRange(failed.Select(r => new FailedRecipient(r, result.Recipients[r].Status)));
        }

        if (sent.Count > 0)
        {
            TransportMetrics.RecipientsDelivered(sent.Count, "smtp");
            var status = result.Recipients[sent[0]].Status;
            tracking.Write(TrackingEvents.For("SEND", "SMTP", message, sent, status, connectorName, result.TargetHost) with
            {
                ClientIp = result.LocalAddress,
                ServerIp = result.TargetAddress,
                SourceContext = TrackingEvents.SendSourceContext(result.SessionId, status),
            });
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

        if (trace is not null)
        {
            var decisive = failed.Count > 0 ? result.Recipients[failed[0]].Status
                : deferred.Count > 0 ? result.LastErrorDetail ?? result.Recipients[deferred[0]].Status
                : sent.Count > 0 ? result.Recipients[sent[0]].Status : string.Empty;
            TransportTracing.EndDeliver(trace, sent.Count, deferred.Count, failed.Count, decisive);
        }

        if (item.Attempt.WorkSettled())
        {
            item.Attempt.Complete();
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
            lock (queueLock)
            {
                queue.SpoolFileDeleted(attempt.Queued.Id);
            }
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
    /// Records which tracking events are now on disk: flushes the tracking log, marks their messages and
    /// recipients confirmed, and prunes settled messages with nothing left to reconcile. The service
    /// calls it every second and once when it stops, so a crash leaves at most the last second's events
    /// for start-up reconciliation to check (docs/decisions/0020).
    /// </summary>
    public async Task ConfirmTrackingAsync()
    {
        var written = await tracking.ConfirmAsync();
        var receives = written.Where(e => e.EventId == "RECEIVE").Select(e => e.NetworkMessageId.ToString("N")).ToList();
        var outcomes = written.Where(e => TrackingReconciliation.FinalEvents.Contains(e.EventId))
            .SelectMany(e => e.Recipients.Select(r => (e.NetworkMessageId.ToString("N"), r))).ToList();
        lock (queueLock)
        {
            if (receives.Count > 0)
            {
                // A RECEIVE is written right after the spool commit, before the dispatcher ingests the
                // file: ingest first so the row it confirms exists.
                queue.Ingest(spool, configuration.Transport.MessageExpirationTimeout, TrackingEvents.Describe);
            }

            queue.ConfirmTracking(receives, outcomes);
            queue.PruneSettled();
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

    /// <summary>One transaction (one WAL sync) for every recipient of one outcome.</summary>
    private void Record(string id, IReadOnlyList<RecipientRecord> outcomes)
    {
        lock (queueLock)
        {
            queue.RecordRecipients(id, outcomes);
        }
    }

    private void Track(string eventId, string source, SpooledMessage message, IReadOnlyList<string> recipients, string status, string? connector, string? serverHost, string? reason = null) =>
        tracking.Write(TrackingEvents.For(eventId, source, message, recipients, status, connector, serverHost, reason));
}
