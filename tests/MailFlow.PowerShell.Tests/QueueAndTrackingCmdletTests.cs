using System.Text;
using MailFlow.Certificates.Trust;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Logs;
using MailFlow.Management;
using MailFlow.Queue;
using MailFlow.Transport.Delivery;

namespace MailFlow.PowerShell.Tests;

/// <summary>Get-Queue / Get-Message / Suspend-Message / Remove-Message and Get-MessageTrackingLog on a real queue and tracking log.</summary>
public sealed class QueueAndTrackingCmdletTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Queue_cmdlets_pipe_into_each_other_and_tracking_finds_the_events()
    {
        var data = new DataDirectory(Path.Combine(root, "data"));
        var administration = ServerAdministration.Open(data, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        administration.Configuration.Update(c =>
        {
            c.HostsOverride["unreachable.test"] = "127.0.0.1";
            c.SendConnectors.Add(new SendConnector { Name = "Dead end", AddressSpaces = ["unreachable.test"], DNSRoutingEnabled = false, SmartHosts = ["unreachable.test:1"] });
            c.Mailboxes.Add(new Mailbox { Name = "User", PrimarySmtpAddress = "user@domain.com" });
        });
        var configuration = administration.Configuration.Load();
        var spool = new Spool(data.Queue);
        foreach (var (id, to) in new[] { ("local@domain.com", "user@domain.com"), ("remote@domain.com", "bob@unreachable.test") })
        {
            using var transaction = spool.Begin(new SpooledEnvelope
            {
                Id = Guid.CreateVersion7().ToString("N"), InternalId = 1, ReceivedUtc = DateTimeOffset.UtcNow, ConnectorId = "test", SessionId = "0",
                ClientAddress = "127.0.0.1", ClientHelo = "test", MailFrom = "alice@domain.com", Recipients = [new SpooledRecipient(to)],
            });
            transaction.Write(Encoding.ASCII.GetBytes($"Message-ID: <{id}>\r\nSubject: cmdlets\r\n\r\nbody\r\n"));
            transaction.Commit();
        }

        var trackingPath = Path.Combine(data.Root, configuration.Transport.MessageTrackingLogPath);
        await using (var tracking = new ExchangeLogWriter(trackingPath, ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults))
        using (var queue = new QueueDatabase(data.Queue))
        {
            var agent = new DeliveryAgent(configuration, queue, spool, new MaildirDelivery(data.Mailboxes, "SERVER1.domain.com"),
                new OutboundDelivery(configuration, TrustAnchors.Empty), new MessageTrackingLog(tracking));
            await agent.RunOnceAsync();
        }

        using var shell = new ModuleHost(data.Root);
        var queues = shell.Run("Get-Queue | ft Identity,Status,MessageCount | Out-String");
        Assert.Empty(queues.Errors);
        Assert.Matches(@"SERVER1\\Dead end\s+Retry\s+1", queues.Text);

        var suspended = shell.Run("Get-Message -Queue 'SERVER1\\Dead end' | Suspend-Message; (Get-Message -Status Suspended).FromAddress");
        Assert.Empty(suspended.Errors);
        Assert.Equal("alice@domain.com", Assert.Single(suspended.Output).ToString());

        var removed = shell.Run("Get-Message -Status Suspended | Remove-Message -WithNDR $false -Confirm:$false; @(Get-Message).Count");
        Assert.Empty(removed.Errors);
        Assert.Equal("0", Assert.Single(removed.Output).ToString());

        var delivered = shell.Run("Get-MessageTrackingLog -EventId DELIVER -MessageId local@domain.com | Select-Object -ExpandProperty Recipients");
        Assert.Empty(delivered.Errors);
        Assert.Equal("user@domain.com", Assert.Single(delivered.Output).ToString());
        var deferred = shell.Run("(Get-MessageTrackingLog -EventId DEFER -Sender alice@domain.com).MessageSubject");
        Assert.Equal("cmdlets", Assert.Single(deferred.Output).ToString());
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
