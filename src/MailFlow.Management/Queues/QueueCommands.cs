using MailFlow.Logs;
using MailFlow.Management.Control;
using MailFlow.Queue;
using MailFlow.Transport.Administration;
using MailFlow.Transport.Delivery;

namespace MailFlow.Management.Queues;

/// <summary>
/// Get-Queue, Get-Message, Retry-Queue, Suspend-, Resume- and Remove-Message for the CLI and the cmdlets:
/// through the running service's control channel when there is one (so the service's own tracking log
/// and delivery loop see the change at once), else directly on the data directory.
/// </summary>
public sealed class QueueCommands(ServerAdministration administration)
{
    public IReadOnlyList<QueueInfo> GetQueue(MessageState? status = null) =>
        Run(new ControlRequest(ControlRequest.GetQueue) { State = status }, r => r.Queues!, q => q.GetQueue(status));

    public IReadOnlyList<MessageInfo> GetMessage(MessageFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Run(new ControlRequest(ControlRequest.GetMessage) { State = filter.Status, Sender = filter.Sender, NextHopDomain = filter.NextHopDomain },
            r => r.Messages!, q => q.GetMessage(filter));
    }

    public int RetryQueue(string? identity = null) =>
        Run(new ControlRequest(ControlRequest.RetryQueue) { Identity = identity }, r => r.Count ?? 0, q => q.RetryQueue(identity));

    public void SuspendMessage(string identity)
    {
        ValidMessageId(identity);
        Run(new ControlRequest(ControlRequest.SuspendMessage) { Identity = identity }, _ => 0, q => { q.SuspendMessage(identity); return 0; });
    }

    public void ResumeMessage(string identity)
    {
        ValidMessageId(identity);
        Run(new ControlRequest(ControlRequest.ResumeMessage) { Identity = identity }, _ => 0, q => { q.ResumeMessage(identity); return 0; });
    }

    public void RemoveMessage(string identity, bool withNdr)
    {
        ValidMessageId(identity);
        Run(new ControlRequest(ControlRequest.RemoveMessage) { Identity = identity, WithNdr = withNdr }, _ => 0, q => { q.RemoveMessage(identity, withNdr); return 0; });
    }

    /// <summary>A malformed identity is refused before the queue is opened, which would create its database on first use.</summary>
    private static void ValidMessageId(string identity) => _ = QueueAdministration.MessageId(identity);

    /// <summary>The administration API on the files of a data directory whose service is not running.</summary>
    public static T Offline<T>(ServerAdministration administration, Func<QueueAdministration, T> action)
    {
        ArgumentNullException.ThrowIfNull(administration);
        ArgumentNullException.ThrowIfNull(action);
        var configuration = administration.Configuration.Load();
        var transport = configuration.Transport;
        var trackingPath = Path.IsPathRooted(transport.MessageTrackingLogPath) ? transport.MessageTrackingLogPath : Path.Combine(administration.Data.Root, transport.MessageTrackingLogPath);
        using var queue = QueueDatabase.OpenWithoutCreating(administration.Data.Queue);
        var writer = new ExchangeLogWriter(trackingPath, ExchangeLogFormat.MessageTrackingFor(configuration.Server.ExchangeVersion),
            new LogRotation(transport.MessageTrackingLogMaxFileSize, transport.MessageTrackingLogMaxDirectorySize, transport.MessageTrackingLogMaxAge), administration.Time);
        try
        {
            var tracking = new MessageTrackingLog(writer, administration.Time);
            var notifier = new SenderNotifier(new Spool(administration.Data.Queue), tracking, configuration.Server.Fqdn);
            return action(new QueueAdministration(configuration.Server.Name, queue, notifier, tracking, administration.Time));
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private T Run<T>(ControlRequest request, Func<ControlResponse, T> online, Func<QueueAdministration, T> offline)
    {
        using var client = ControlClient.TryConnect(administration.Data);
        return client is not null ? online(client.Send(request)) : Offline(administration, offline);
    }
}
