using System.Text;
using MailFlow.Certificates.Trust;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Logs;
using MailFlow.Management;
using MailFlow.Queue;
using MailFlow.Transport.Delivery;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace MailFlow.Transport.Tests;

/// <summary>Expiry and permanent failures come back to the sender as RFC 3464 reports; the null sender gets none.</summary>
public sealed class NonDeliveryTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task An_expired_message_returns_a_4_4_7_NDR_to_the_local_sender()
    {
        var (agent, spool, data, queue, tracking) = Setup(c =>
        {
            c.Transport.MessageExpirationTimeout = TimeSpan.FromSeconds(30);
            c.HostsOverride["unreachable.test"] = "127.0.0.1";
            c.SendConnectors.Add(new SendConnector { Name = "Dead end", AddressSpaces = ["unreachable.test"], DNSRoutingEnabled = false, SmartHosts = ["unreachable.test:1"] });
        });
        using (queue)
        {
            Enqueue(spool, "alice@domain.com", "bob@unreachable.test", "Subject: will expire\r\nMessage-ID: <exp@domain.com>\r\n\r\nbody\r\n");

            await agent.RunOnceAsync(); // connection refused: deferred
            Assert.Equal(MessageState.Retry, queue.All().Single().State);
            clock.Advance(TimeSpan.FromMinutes(6)); // past the expiry and the next retry time
            await agent.RunOnceAsync(); // expires; the NDR is queued
            await agent.RunOnceAsync(); // the NDR is delivered locally

            var ndr = ReadSingleMaildirMessage(data, "domain.com", "alice");
            var report = Assert.IsType<MultipartReport>(ndr.Body);
            var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
            Assert.Equal("delivery-status", report.ReportType);
            Assert.Equal("Undeliverable: will expire", ndr.Subject);
            Assert.Equal("<exp@domain.com>", "<" + ndr.InReplyTo + ">");
            Assert.Equal("rfc822; bob@unreachable.test", status.StatusGroups[1]["Final-Recipient"]);
            Assert.Equal("4.4.7", status.StatusGroups[1]["Status"]);
            Assert.Equal("smtp; 550 4.4.7 QUEUE.Expired; message expired", status.StatusGroups[1]["Diagnostic-Code"]);
            Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
            await tracking.FlushAsync();
            var log = string.Concat(Directory.GetFiles(tracking.Directory).Select(File.ReadAllText));
            Assert.Contains(",DEFER,", log, StringComparison.Ordinal);
            Assert.Contains("450 4.4.316 Connection refused", log, StringComparison.Ordinal);
            Assert.Contains(",FAIL,", log, StringComparison.Ordinal);
            Assert.Contains(",DSN,", log, StringComparison.Ordinal);
        }

        await tracking.DisposeAsync();
    }

    [Fact]
    public async Task A_permanent_failure_returns_an_NDR_at_once_but_never_to_the_null_sender()
    {
        var (agent, spool, data, queue, tracking) = Setup(_ => { });
        using (queue)
        {
            Enqueue(spool, "alice@domain.com", "nobody@nowhere.test", "Subject: no route\r\n\r\nbody\r\n");
            Enqueue(spool, string.Empty, "nobody@nowhere.test", "Subject: an NDR that fails\r\n\r\nbody\r\n");

            await agent.RunOnceAsync();
            await agent.RunOnceAsync();

            var ndr = ReadSingleMaildirMessage(data, "domain.com", "alice");
            var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(ndr.Body)[1]);
            Assert.Equal("5.4.4", status.StatusGroups[1]["Status"]);
            Assert.Equal(3, queue.All().Count); // two originals and exactly one NDR
            Assert.All(queue.All(), m => Assert.NotEqual(MessageState.Retry, m.State));
        }

        await tracking.DisposeAsync();
    }

    [Fact]
    public async Task A_spool_file_damaged_after_ingest_goes_to_Poison_and_does_not_block_the_others()
    {
        var (agent, spool, data, queue, tracking) = Setup(_ => { });
        using (queue)
        {
            Enqueue(spool, "alice@domain.com", "bob@domain.com", "Subject: first\r\n\r\nbody\r\n");
            queue.Ingest(spool, TimeSpan.FromDays(2));
            var damaged = queue.All().Single();
            var bytes = File.ReadAllBytes(damaged.SpoolPath);
            bytes[^40] ^= 0x01;
            File.WriteAllBytes(damaged.SpoolPath, bytes);
            clock.Advance(TimeSpan.FromSeconds(1));
            Enqueue(spool, "alice@domain.com", "carol@domain.com", "Subject: second\r\n\r\nbody\r\n");

            await agent.RunOnceAsync();

            var poisoned = queue.Find(damaged.Id)!;
            Assert.Equal(MessageState.Poison, poisoned.State);
            Assert.Contains("fails its checksum", poisoned.LastError, StringComparison.Ordinal);
            Assert.Single(Directory.GetFiles(Path.Combine(data.Mailboxes, "domain.com", "carol", "Maildir", "new")));
        }

        await tracking.DisposeAsync();
    }

    private (DeliveryAgent Agent, Spool Spool, DataDirectory Data, QueueDatabase Queue, ExchangeLogWriter Tracking) Setup(Action<MailFlowConfiguration> configure)
    {
        var administration = ServerAdministration.Open(new DataDirectory(Path.Combine(root, "data")), clock, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        administration.Configuration.Update(configure);
        var configuration = administration.Configuration.Load();
        var spool = new Spool(administration.Data.Queue);
        var queue = new QueueDatabase(administration.Data.Queue);
        var tracking = new ExchangeLogWriter(Path.Combine(root, "tracking"), ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults, clock);
        var agent = new DeliveryAgent(configuration, queue, spool, new MaildirDelivery(administration.Data.Mailboxes, "SERVER1.domain.com", clock),
            new OutboundDelivery(configuration, TrustAnchors.Empty, ReasonFormat.Brace, clock), new MessageTrackingLog(tracking, clock), clock);
        return (agent, spool, administration.Data, queue, tracking);
    }

    private void Enqueue(Spool spool, string from, string to, string content)
    {
        using var transaction = spool.Begin(new SpooledEnvelope
        {
            Id = Guid.CreateVersion7().ToString("N"),
            InternalId = 1,
            ReceivedUtc = clock.GetUtcNow(),
            ConnectorId = "test",
            SessionId = "0",
            ClientAddress = "127.0.0.1",
            ClientHelo = "test",
            MailFrom = from,
            Recipients = [new SpooledRecipient(to)],
        });
        transaction.Write(Encoding.ASCII.GetBytes(content));
        transaction.Commit();
    }

    private static MimeMessage ReadSingleMaildirMessage(DataDirectory data, string domain, string local)
    {
        var file = Directory.GetFiles(Path.Combine(data.Mailboxes, domain, local, "Maildir", "new")).Single();
        Assert.StartsWith("Return-Path: <>\r\n", File.ReadAllText(file), StringComparison.Ordinal);
        return MimeMessage.Load(file);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
