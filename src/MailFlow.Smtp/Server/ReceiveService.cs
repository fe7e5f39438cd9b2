using MailFlow.Certificates.Store;
using MailFlow.Configuration.Listening;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Users;
using MailFlow.Core.Storage;
using MailFlow.Logs;
using MailFlow.Queue;

namespace MailFlow.Smtp.Server;

/// <summary>
/// The receive side assembled from a data directory: spool, SmtpReceive protocol log, message tracking
/// log, users, and the listening server. Disposing stops the listeners and flushes the logs.
/// </summary>
public sealed class ReceiveService : IAsyncDisposable
{
    private readonly ExchangeLogWriter receiveLog;
    private readonly ExchangeLogWriter trackingLog;

    private ReceiveService(SmtpReceiveServer server, ReceiveContext context, ExchangeLogWriter receiveLog, ExchangeLogWriter trackingLog, int abandoned)
    {
        Server = server;
        Context = context;
        this.receiveLog = receiveLog;
        this.trackingLog = trackingLog;
        AbandonedStagingFiles = abandoned;
    }

    public SmtpReceiveServer Server { get; }

    public ReceiveContext Context { get; }

    public string ReceiveProtocolLogDirectory => receiveLog.Directory;

    public string MessageTrackingLogDirectory => trackingLog.Directory;

    /// <summary>Unacknowledged staging files found (and deleted) at start: messages a crash interrupted before 250.</summary>
    public int AbandonedStagingFiles { get; }

    public static ReceiveService Start(DataDirectory data, MailFlowConfiguration configuration, IReadOnlyList<ExchangeCertificate> certificates, TimeProvider? time = null, int? lowestBindablePort = null, ListenerSet? listeners = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(configuration);
        time ??= TimeProvider.System;
        var transport = configuration.Transport;
        var protocolRotation = new LogRotation(transport.ProtocolLogMaxFileSize, transport.ProtocolLogMaxDirectorySize, transport.ProtocolLogMaxAge);
        var trackingRotation = new LogRotation(transport.MessageTrackingLogMaxFileSize, transport.MessageTrackingLogMaxDirectorySize, transport.MessageTrackingLogMaxAge);
        var receiveLog = new ExchangeLogWriter(Resolve(data, transport.ReceiveProtocolLogPath), ExchangeLogFormat.SmtpReceive, protocolRotation, time);
        var trackingLog = new ExchangeLogWriter(Resolve(data, transport.MessageTrackingLogPath), ExchangeLogFormat.MessageTrackingFor(configuration.Server.ExchangeVersion), trackingRotation, time);
        try
        {
            var spool = new Spool(data.Queue);
            var abandoned = spool.DeleteAbandonedStaging();
            var context = new ReceiveContext(spool, new ProtocolLog(receiveLog, transport.ProtocolLogCertificateFormat, time), new MessageTrackingLog(trackingLog, time, journal: true), new UserStore(data).List(), time);
            var connectors = SmtpReceiveServer.BuildConnectors(configuration, certificates, time.GetUtcNow());
            var server = SmtpReceiveServer.Start(configuration, connectors, context, lowestBindablePort ?? PrivilegedPorts.LowestBindablePort(), listeners);
            return new ReceiveService(server, context, receiveLog, trackingLog, abandoned);
        }
        catch
        {
            receiveLog.DisposeAsync().AsTask().GetAwaiter().GetResult();
            trackingLog.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    public async Task StopAsync(TimeSpan drain)
    {
        await Server.StopAsync(drain);
        await receiveLog.FlushAsync();
        await trackingLog.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await receiveLog.DisposeAsync();
        await trackingLog.DisposeAsync();
    }

    private static string Resolve(DataDirectory data, string path) => Path.IsPathRooted(path) ? path : Path.Combine(data.Root, path);
}
