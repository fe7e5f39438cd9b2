using System.Net;
using System.Net.Sockets;
using System.Text;
using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Logs;
using MailFlow.Management;
using MailFlow.Management.Connectors;
using MailFlow.Queue;
using MailFlow.Smtp.Server;
using MailFlow.Transport.Delivery;
using MailFlow.Testing;

namespace MailFlow.Transport.Tests;

/// <summary>
/// The article between two MailFlow transports on loopback: the tenant validates hybrid.domain.com
/// with DomainValidation, SERVER1 presents CN=SERVER1, the message is deferred with the seed's reason;
/// after the three-line fix and a restart of SERVER1, Retry-Queue delivers it into the Maildir.
/// </summary>
public sealed class SeedDeliveryTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Deferred_with_SubjectMismatch_then_delivered_after_the_fix_and_a_restart()
    {
        using var ca = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab");
        var port = Ports.Free();

        // SERVER1: the embedded default plus the CA-issued hybrid.domain.com certificate, SMTP enabled.
        var server1 = ServerAdministration.Open(new DataDirectory(Path.Combine(root, "server1")), identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        server1.Configuration.Update(c =>
        {
            c.ReceiveConnectors.RemoveAll(r => r.Name != "Default Frontend SERVER1");
            c.ReceiveConnectors[0].Bindings = [$"127.0.0.1:{port}"];
            c.Mailboxes.Add(new Mailbox { Name = "User", PrimarySmtpAddress = "user@domain.com" });
        });
        using (var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"], Key = KeyAlgorithm.Rsa2048 }))
        {
            server1.CertificateStore.Add(hybrid, [], ExchangeServices.SMTP, "hybrid");
        }

        // The tenant: an outbound connector to hybrid.domain.com, DomainValidation, RequireTLS.
        var tenant = ServerAdministration.Open(new DataDirectory(Path.Combine(root, "tenant")), identity: new ServerIdentity { Name = "EOP", Fqdn = "mail.protection.outlook.test" });
        tenant.Configuration.Update(c =>
        {
            c.HostsOverride["hybrid.domain.com"] = "127.0.0.1";
            c.SendConnectors.Add(new SendConnector
            {
                Name = "Outbound to hybrid",
                AddressSpaces = ["domain.com"],
                DNSRoutingEnabled = false,
                SmartHosts = [$"hybrid.domain.com:{port}"],
                RequireTLS = true,
                TlsAuthLevel = TlsAuthLevel.DomainValidation,
                TlsDomain = "hybrid.domain.com",
                ProtocolLoggingLevel = ProtocolLoggingLevel.Verbose,
            });
        });
        var original = "Message-ID: <seed@tenant.test>\r\nSubject: hello on-premises\r\n\r\nline one\r\n.leading dot\r\n"u8.ToArray();
        var tenantSpool = new Spool(tenant.Data.Queue);
        using (var transaction = tenantSpool.Begin(Envelope("user@domain.com")))
        {
            transaction.Write(original);
            transaction.Commit();
        }

        await using var tenantTracking = new ExchangeLogWriter(Path.Combine(tenant.Data.Logs, "MessageTracking"), ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults);
        await using var tenantSendLog = new ExchangeLogWriter(Path.Combine(tenant.Data.Logs, "SmtpSend"), ExchangeLogFormat.SmtpSend, LogRotation.ExchangeProtocolDefaults);
        using var tenantQueue = new QueueDatabase(tenant.Data.Queue);
        var tenantAgent = new DeliveryAgent(tenant.Configuration.Load(), tenantQueue, tenantSpool,
            new MaildirDelivery(tenant.Data.Mailboxes, "EOP"),
            new OutboundDelivery(tenant.Configuration.Load(), TrustAnchors.FromCertificates(ca.Certificate), sendLog: new ProtocolLog(tenantSendLog, CertificateLogFormat.MultiLine)),
            new MessageTrackingLog(tenantTracking));

        // Before the fix: deferred, with the article's reason.
        await using (var running = StartReceiver(server1))
        {
            Assert.Equal(1, await tenantAgent.RunOnceAsync());
        }

        var deferred = tenantQueue.All().Single();
        Assert.Equal(MessageState.Retry, deferred.State);
        Assert.Matches(@"^\[\{LRT=\d+/\d+/\d{4} \d+:\d\d:\d\d [AP]M\};\{LED=450 4\.7\.320 Certificate validation failed\};\{FQDN=hybrid\.domain\.com\};\{IP=127\.0\.0\.1\}\]$", deferred.LastError);
        await tenantTracking.FlushAsync();
        var trackingBefore = ReadAll(tenantTracking.Directory);
        Assert.Contains(",DEFER,", trackingBefore, StringComparison.Ordinal);
        Assert.Contains("[{LED=450 4.7.320 Certificate validation failed};{MSG=SubjectMismatch};{FQDN=hybrid.domain.com};{IP=127.0.0.1};{LRT=", trackingBefore, StringComparison.Ordinal);
        await tenantSendLog.FlushAsync();
        var sendLogBefore = ReadAll(tenantSendLog.Directory);
        Assert.Contains("#Log-type: SMTP Send Protocol Log", sendLogBefore, StringComparison.Ordinal);
        Assert.Contains("Outbound to hybrid,", sendLogBefore, StringComparison.Ordinal);
        Assert.Contains(",*,,Received certificate", sendLogBefore, StringComparison.Ordinal);
        Assert.Contains(",*,CN=SERVER1,Certificate subject", sendLogBefore, StringComparison.Ordinal);
        Assert.Contains(",*,,TLS negotiation failed with error SubjectMismatch", sendLogBefore, StringComparison.Ordinal);

        // The fix, then "bounce transport" on SERVER1, then Retry-Queue on the tenant.
        var tlscert = server1.CertificateStore.List().Certificates.Single(c => c.Subject == "CN=hybrid.domain.com");
        new ReceiveConnectorCommands(server1).Set(@"SERVER1\Default Frontend SERVER1", new Dictionary<string, string?> { ["TlsCertificateName"] = $"<I>{tlscert.Issuer}<S>{tlscert.Subject}" });
        await using (var restarted = StartReceiver(server1))
        {
            tenantQueue.RetryNow(DateTimeOffset.UtcNow);
            Assert.Equal(1, await tenantAgent.RunOnceAsync());
        }

        Assert.Equal(MessageState.Delivered, tenantQueue.All().Single().State);
        await tenantTracking.FlushAsync();
        Assert.Contains(",SEND,", ReadAll(tenantTracking.Directory), StringComparison.Ordinal);
        await tenantSendLog.FlushAsync();
        var sendLogAfter = ReadAll(tenantSendLog.Directory);
        Assert.Contains(",*,CN=hybrid.domain.com,Certificate subject", sendLogAfter, StringComparison.Ordinal);
        Assert.Contains("negotiation succeeded using bulk encryption algorithm", sendLogAfter, StringComparison.Ordinal);
        Assert.Contains("TLS protocol SP_PROT_TLS1_", sendLogAfter, StringComparison.Ordinal);
        Assert.Contains("_CLIENT negotiation succeeded", sendLogAfter, StringComparison.Ordinal);
        Assert.Contains(",>,MAIL FROM:<tenant-sender@tenant.test>", sendLogAfter, StringComparison.Ordinal);
        Assert.Contains(",<,\"250 2.6.0 <seed@tenant.test> [InternalId=", sendLogAfter, StringComparison.Ordinal); // quoted: the reply has a comma
        Assert.Contains(",>,BDAT ", sendLogAfter, StringComparison.Ordinal); // CHUNKING offered, so BDAT is used
        Assert.DoesNotContain("line one", sendLogAfter, StringComparison.Ordinal);

        // SERVER1 delivers locally: the recipient's Maildir holds the tenant's bytes.
        var server1Spool = new Spool(server1.Data.Queue);
        using var server1Queue = new QueueDatabase(server1.Data.Queue);
        await using var server1Tracking = new ExchangeLogWriter(Path.Combine(root, "server1-tracking"), ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults);
        var server1Agent = new DeliveryAgent(server1.Configuration.Load(), server1Queue, server1Spool, new MaildirDelivery(server1.Data.Mailboxes, "SERVER1.domain.com"),
            new OutboundDelivery(server1.Configuration.Load(), TrustAnchors.Empty), new MessageTrackingLog(server1Tracking));
        Assert.Equal(1, await server1Agent.RunOnceAsync());

        var delivered = Directory.GetFiles(Path.Combine(server1.Data.Mailboxes, "domain.com", "user", "Maildir", "new")).Single();
        var bytes = File.ReadAllBytes(delivered);
        Assert.EndsWith(Encoding.ASCII.GetString(original), Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.StartsWith("Return-Path: <tenant-sender@tenant.test>\r\nDelivered-To: user@domain.com\r\nReceived: from mail.protection.outlook.test", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.Contains("with ESMTPS", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        await server1Tracking.FlushAsync();
        Assert.Contains(",DELIVER,", ReadAll(server1Tracking.Directory), StringComparison.Ordinal);
    }

    private static ReceiveService StartReceiver(ServerAdministration server) =>
        ReceiveService.Start(server.Data, server.Configuration.Load(), server.CertificateStore.List().Certificates, lowestBindablePort: 0);

    private static SpooledEnvelope Envelope(string recipient) => new()
    {
        Id = Guid.CreateVersion7().ToString("N"),
        InternalId = 1,
        ReceivedUtc = DateTimeOffset.UtcNow,
        ConnectorId = "Default Frontend EOP",
        SessionId = "0000000000000001",
        ClientAddress = "192.0.2.1",
        ClientHelo = "tenant.test",
        MailFrom = "tenant-sender@tenant.test",
        Recipients = [new SpooledRecipient(recipient)],
    };

    private static string ReadAll(string directory) => string.Concat(Directory.GetFiles(directory).Order().Select(File.ReadAllText));


    public void Dispose() => Directory.Delete(root, recursive: true);
}
