using System.Text;
using MailFlow.Certificates.Trust;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Logs;
using MailFlow.Management;
using MailFlow.Queue;
using MailFlow.Transport.Delivery;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// A message from alice@domain.com to an unreachable smart host, deferred once by the real delivery agent:
/// a Retry queue "SERVER1\Dead end" of one message, and its events in the tracking log.
/// </summary>
public static class DeferredMessage
{
    public static async Task SpoolAsync(DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var administration = ServerAdministration.Open(data);
        administration.Configuration.Update(c =>
        {
            c.HostsOverride["unreachable.test"] = "127.0.0.1";
            c.SendConnectors.Add(new SendConnector { Name = "Dead end", AddressSpaces = ["unreachable.test"], DNSRoutingEnabled = false, SmartHosts = ["unreachable.test:1"] });
        });
        var configuration = administration.Configuration.Load();
        var spool = new Spool(data.Queue);
        using (var transaction = spool.Begin(new SpooledEnvelope
        {
            Id = Guid.CreateVersion7().ToString("N"), InternalId = 1, ReceivedUtc = DateTimeOffset.UtcNow, ConnectorId = "test", SessionId = "0",
            ClientAddress = "127.0.0.1", ClientHelo = "test", MailFrom = "alice@domain.com", Recipients = [new SpooledRecipient("bob@unreachable.test")],
        }))
        {
            transaction.Write(Encoding.ASCII.GetBytes("Message-ID: <remote@domain.com>\r\nSubject: plain pwsh\r\n\r\nbody\r\n"));
            transaction.Commit();
        }

        await using var tracking = new ExchangeLogWriter(Path.Combine(data.Root, configuration.Transport.MessageTrackingLogPath), ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults);
        using var queue = new QueueDatabase(data.Queue);
        var agent = new DeliveryAgent(configuration, queue, spool, new MaildirDelivery(data.Mailboxes, configuration.Server.Fqdn),
            new OutboundDelivery(configuration, TrustAnchors.Empty), new MessageTrackingLog(tracking));
        await agent.RunOnceAsync();
    }
}
