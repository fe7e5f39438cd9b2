using MailFlow.Certificates.Store;
using MailFlow.Configuration.Listening;
using MailFlow.Configuration.Model;
using MailFlow.Core.Diagnostics;
using MailFlow.Logs;
using MailFlow.Management;
using MailFlow.Management.Control;
using MailFlow.Queue;
using MailFlow.Smtp.Server;
using MailFlow.Transport.Administration;
using MailFlow.Transport.Delivery;

namespace MailFlow.Service;

/// <summary>
/// The whole transport of one data directory: receive connectors, the queue and delivery. A restart
/// ("bouncing transport") stops accepting, lets open sessions finish (bounded), lets the delivery pass
/// in progress finish, then re-reads configuration and certificates, recomputes every connector's
/// certificate decision and starts again. Queue and spool stay on disk throughout, so nothing
/// acknowledged is at risk.
/// </summary>
public sealed class TransportService : IAsyncDisposable
{
    private readonly ServerAdministration administration;
    private readonly TimeSpan drain;
    private readonly int lowestBindablePort;
    private readonly ListenerSet listeners;
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private Running? current;

    private TransportService(ServerAdministration administration, TimeSpan drain, int lowestBindablePort, ListenerSet listeners)
    {
        this.administration = administration;
        this.drain = drain;
        this.lowestBindablePort = lowestBindablePort;
        this.listeners = listeners;
        StartedUtc = administration.Now;
    }

    public DateTimeOffset StartedUtc { get; }

    public DateTimeOffset LastRestartUtc { get; private set; }

    public int Restarts { get; private set; }

    /// <summary>Warnings and notes to show the admin (certificate store problems, abandoned staging files, delivery errors).</summary>
    public event Action<Severity, string>? Note;

    /// <summary>The receive side as it runs now (listeners, connectors and their certificate decisions).</summary>
    public ReceiveService Receive => (current ?? throw new InvalidOperationException("not started")).Receive;

    public string SendProtocolLogDirectory => (current ?? throw new InvalidOperationException("not started")).SendLogDirectory;

    /// <summary>
    /// Starts the transport. The lowest bindable port is fixed here, for every later restart: a process
    /// that gave root up after binding must plan port 25 again (and find its socket in
    /// <paramref name="listeners"/>, which the service now owns), not move it to 10025.
    /// </summary>
    public static TransportService Start(ServerAdministration administration, TimeSpan drain, int? lowestBindablePort = null, Action<Severity, string>? note = null, ListenerSet? listeners = null)
    {
        ArgumentNullException.ThrowIfNull(administration);
        var service = new TransportService(administration, drain, lowestBindablePort ?? PrivilegedPorts.LowestBindablePort(), listeners ?? new ListenerSet());
        if (note is not null)
        {
            service.Note += note;
        }

        service.current = service.Launch();
        service.LastRestartUtc = service.StartedUtc;
        return service;
    }

    /// <summary>
    /// Bounces the transport; configuration or certificate errors leave the old configuration out of
    /// service and are reported. <paramref name="trigger"/> says in the log what asked for it.
    /// </summary>
    public async Task RestartAsync(string trigger = "request")
    {
        await lifecycle.WaitAsync();
        try
        {
            var old = current;
            current = null;
            if (old is not null)
            {
                await old.StopAsync(drain);
            }

            try
            {
                current = Launch();
            }
            catch (Exception ex) when (ex is Core.Errors.MailFlowException or IOException && old is not null)
            {
                // A broken edit must not leave the server deaf: run on with what ran before, and say why.
                current = Launch(old!.Configuration);
                var refused = new Core.Errors.MailFlowException($"restart refused, still running configuration revision {old.Configuration.Revision}: {ex.Message}", ex);
                Note?.Invoke(Severity.Error, refused.Message);
                throw refused;
            }

            Restarts++;
            LastRestartUtc = administration.Now;
            Note?.Invoke(Severity.Info, $"restarted on {trigger}: configuration revision {current.Configuration.Revision}; " + string.Join("; ", current.Receive.Server.Connectors.Select(DescribeCertificate)));
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>What a connector presents for STARTTLS, and why, for the log of a restart (the certificate decision is made at each start).</summary>
    public static string DescribeCertificate(ReceiveConnectorRuntime connector)
    {
        ArgumentNullException.ThrowIfNull(connector);
        return connector.Decision.Certificate is { } chosen
            ? $"{connector.Identity}: STARTTLS with {chosen.Subject} ({chosen.Thumbprint})"
            : $"{connector.Identity}: no STARTTLS ({connector.Decision.Reason})";
    }

    public async Task StopAsync()
    {
        await lifecycle.WaitAsync();
        try
        {
            if (current is { } running)
            {
                current = null;
                await running.StopAsync(drain);
            }
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public ServiceStatus Status()
    {
        // A restart in progress is tearing down the transport this would read (its listeners' sockets
        // are being closed): report the service as between transports rather than race it.
        // Other readers hold it for milliseconds; a restart holds it while it drains.
        var settled = lifecycle.Wait(TimeSpan.FromMilliseconds(500));
        try
        {
            return Describe(settled ? current : null);
        }
        finally
        {
            if (settled)
            {
                lifecycle.Release();
            }
        }
    }

    private ServiceStatus Describe(Running? running)
    {
        var configuration = running?.Configuration ?? administration.Configuration.Load();
        var counts = CountQueue().ToDictionary(c => c.Key, c => (int)c.Value);
        var listeners = running is null ? [] : running.Receive.Server.Listeners
            .SelectMany(l => l.Connectors.Select(c => (l.Endpoint, Connector: c)))
            .Select(x =>
            {
                var chosen = running.Receive.Server.Connectors.First(c => c.Identity == x.Connector).Decision.Certificate;
                return new ListenerStatus(x.Endpoint.ToString(), x.Connector, chosen?.Thumbprint, chosen?.Subject);
            })
            .ToList();
        return new ServiceStatus
        {
            Server = configuration.Server.Name,
            ProcessId = Environment.ProcessId,
            StartedUtc = StartedUtc,
            LastRestartUtc = LastRestartUtc,
            Restarts = Restarts,
            ConfigurationRevision = configuration.Revision,
            ActiveSessions = running?.Receive.Server.ActiveSessions ?? 0,
            Listeners = listeners,
            Queue = counts,
        };
    }

    /// <summary>Messages in the queue by state, for status and the queue-depth gauge.</summary>
    public IReadOnlyDictionary<string, long> CountQueue()
    {
        using var queue = new QueueDatabase(administration.Data.Queue);
        return queue.CountByState();
    }

    /// <summary>Runs a queue operation against the live queue, with the service's tracking log; the delivery loop is nudged afterwards.</summary>
    public T Queue<T>(Func<QueueAdministration, T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        // Held for the operation, so a restart cannot dispose the tracking log it writes to midway.
        if (!lifecycle.Wait(TimeSpan.FromSeconds(5)))
        {
            throw new Core.Errors.MailFlowException("the transport is restarting; try again in a moment");
        }

        try
        {
            var running = current ?? throw new Core.Errors.MailFlowException("the transport is not running");
            using var queue = new QueueDatabase(administration.Data.Queue);
            var tracking = running.Receive.Context.Tracking;
            var notifier = new SenderNotifier(running.Receive.Context.Spool, tracking, running.Configuration.Server.Fqdn);
            var result = action(new QueueAdministration(running.Configuration.Server.Name, queue, notifier, tracking, administration.Time));
            running.Delivery.Nudge();
            return result;
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        listeners.Dispose();
        lifecycle.Dispose();
    }

    private Running Launch(MailFlowConfiguration? configuration = null)
    {
        configuration ??= administration.Configuration.Load();
        var inventory = administration.CertificateStore.List();
        foreach (var problem in inventory.Problems)
        {
            Note?.Invoke(Severity.Warning, problem);
        }

        ReconcileTracking(configuration);
        var receive = ReceiveService.Start(administration.Data, configuration, inventory.Certificates, administration.Time, lowestBindablePort, listeners);
        if (receive.AbandonedStagingFiles > 0)
        {
            Note?.Invoke(Severity.Notice, $"deleted {receive.AbandonedStagingFiles} unacknowledged partial message(s) left by an earlier stop");
        }

        try
        {
            var running = Running.Start(administration, configuration, inventory.Certificates, receive, (severity, message) => Note?.Invoke(severity, message));
            listeners.CloseExcept(receive.Server.PlannedEndpoints);
            return running;
        }
        catch
        {
            receive.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>
    /// Writes the tracking events an earlier stop lost (a crash takes the log writer's last second with
    /// it) before the receive side starts, so the candidates are only what the queue knew at the stop.
    /// </summary>
    private void ReconcileTracking(MailFlowConfiguration configuration)
    {
        var transport = configuration.Transport;
        using var queue = new QueueDatabase(administration.Data.Queue);
        queue.Ingest(new Spool(administration.Data.Queue), transport.MessageExpirationTimeout, TrackingEvents.Describe);
        var trackingDirectory = Path.IsPathRooted(transport.MessageTrackingLogPath) ? transport.MessageTrackingLogPath : Path.Combine(administration.Data.Root, transport.MessageTrackingLogPath);
        var result = TrackingReconciliation.RunAsync(queue, trackingDirectory,
            new LogRotation(transport.MessageTrackingLogMaxFileSize, transport.MessageTrackingLogMaxDirectorySize, transport.MessageTrackingLogMaxAge), administration.Time, configuration.Server.ExchangeVersion).GetAwaiter().GetResult();
        if (result.TornRows > 0)
        {
            Note?.Invoke(Severity.Warning, $"message tracking: cut {result.TornRows} log file(s) back to their last whole row (a crash had torn the last one)");
        }

        if (result.Written > 0)
        {
            Note?.Invoke(Severity.Notice, $"message tracking: wrote {result.Written} event(s) an earlier stop lost ({result.Candidates} unconfirmed, {result.FilesScanned} log file(s) checked, {result.Elapsed.TotalMilliseconds:F0} ms), marked \"{TrackingReconciliation.RecoveredSourceContext}\"");
        }
    }

    /// <summary>One configuration's worth of running parts; a restart replaces it whole.</summary>
    private sealed class Running
    {
        /// <summary>How often written tracking events are confirmed: the writer's own flush interval, so confirming costs one fsync a second.</summary>
        private static readonly TimeSpan ConfirmInterval = TimeSpan.FromSeconds(1);

        private readonly DeliveryAgent agent;
        private readonly Action<Severity, string> note;
        private readonly TaskCompletionSource stopConfirming = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task confirming;

        private Running(MailFlowConfiguration configuration, ReceiveService receive, QueueDatabase queue, ExchangeLogWriter sendLog, DeliveryAgent agent, DeliveryService delivery, Action<Severity, string> note)
        {
            Configuration = configuration;
            Receive = receive;
            Queue = queue;
            SendLog = sendLog;
            this.agent = agent;
            this.note = note;
            Delivery = delivery;
            confirming = ConfirmLoopAsync();
        }

        public MailFlowConfiguration Configuration { get; }

        public ReceiveService Receive { get; }

        public QueueDatabase Queue { get; }

        public ExchangeLogWriter SendLog { get; }

        public DeliveryService Delivery { get; }

        public string SendLogDirectory => SendLog.Directory;

        public static Running Start(ServerAdministration administration, MailFlowConfiguration configuration, IReadOnlyList<ExchangeCertificate> certificates, ReceiveService receive, Action<Severity, string> note)
        {
            var transport = configuration.Transport;
            var sendLogDirectory = Path.IsPathRooted(transport.SendProtocolLogPath) ? transport.SendProtocolLogPath : Path.Combine(administration.Data.Root, transport.SendProtocolLogPath);
            var sendLog = new ExchangeLogWriter(sendLogDirectory, ExchangeLogFormat.SmtpSend,
                new LogRotation(transport.ProtocolLogMaxFileSize, transport.ProtocolLogMaxDirectorySize, transport.ProtocolLogMaxAge), administration.Time);
            var queue = new QueueDatabase(administration.Data.Queue);
            var agent = new DeliveryAgent(configuration, queue, receive.Context.Spool,
                new MaildirDelivery(administration.Data.Mailboxes, configuration.Server.Fqdn, administration.Time),
                new OutboundDelivery(configuration, administration.LoadTrustAnchors(configuration), ReasonFormat.Brace, administration.Time,
                    new ProtocolLog(sendLog, transport.ProtocolLogCertificateFormat, administration.Time), certificates),
                receive.Context.Tracking, administration.Time);
            var delivery = new DeliveryService(agent, TimeSpan.FromSeconds(5), ex => note(Severity.Warning, $"delivery: {ex.Message}"));
            receive.Context.MessageAccepted += delivery.Nudge;
            return new Running(configuration, receive, queue, sendLog, agent, delivery, note);
        }

        private async Task ConfirmLoopAsync()
        {
            // Until stopped; the final confirmation runs in StopAsync.
            while (await Task.WhenAny(Task.Delay(ConfirmInterval), stopConfirming.Task) != stopConfirming.Task)
            {
                await ConfirmAsync();
            }
        }

        private async Task ConfirmAsync()
        {
            try
            {
                await agent.ConfirmTrackingAsync();
            }
            catch (Exception ex) when (ex is IOException or Microsoft.Data.Sqlite.SqliteException)
            {
                // Unconfirmed events stay candidates for the next start's reconciliation: nothing is lost, only checked later.
                note(Severity.Warning, $"message tracking: confirming written events failed: {ex.Message}");
            }
        }

        /// <summary>
        /// Receive first (no new messages), then the delivery pass in progress, then the last tracking
        /// confirmation (a clean stop leaves nothing to reconcile), then logs and the queue database.
        /// </summary>
        public async Task StopAsync(TimeSpan drain)
        {
            await Receive.StopAsync(drain);
            await Delivery.DisposeAsync();
            stopConfirming.TrySetResult();
            await confirming;
            await ConfirmAsync();
            await SendLog.DisposeAsync();
            await Receive.DisposeAsync();
            Queue.Dispose();
        }
    }
}
