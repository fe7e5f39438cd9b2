using System.Text;
using MailFlow.Configuration.Model;
using MailFlow.Queue;
using MailFlow.Testing;
using MimeKit;

namespace MailFlow.Transport.Tests;

/// <summary>Expiry, permanent failures and long delays come back to the sender as RFC 3464 reports; the null sender gets none.</summary>
public sealed class NonDeliveryTests
{
    [Fact]
    public async Task An_expired_message_returns_a_4_4_7_NDR_to_the_local_sender()
    {
        await using var bed = new DeliveryTestBed(c =>
        {
            c.Transport.MessageExpirationTimeout = TimeSpan.FromSeconds(30);
            DeliveryTestBed.AddDeadEndConnector(c);
        });
        bed.Enqueue("alice@domain.com", "bob@unreachable.test", "Subject: will expire\r\nMessage-ID: <exp@domain.com>\r\n\r\nbody\r\n");

        await bed.Agent.RunOnceAsync(); // connection refused: deferred
        Assert.Equal(MessageState.Retry, bed.Queue.All().Single().State);
        bed.Clock.Advance(TimeSpan.FromMinutes(6)); // past the expiry and the next retry time
        await bed.Agent.RunOnceAsync(); // expires; the NDR is queued
        await bed.Agent.RunOnceAsync(); // the NDR is delivered locally

        var ndr = bed.SingleReport("domain.com", "alice");
        var report = Assert.IsType<MultipartReport>(ndr.Body);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal("Undeliverable: will expire", ndr.Subject);
        Assert.Equal("<exp@domain.com>", "<" + ndr.InReplyTo + ">");
        Assert.Equal("rfc822; bob@unreachable.test", status.StatusGroups[1]["Final-Recipient"]);
        Assert.Equal("failed", status.StatusGroups[1]["Action"]);
        Assert.Equal("4.4.7", status.StatusGroups[1]["Status"]);
        Assert.Equal("smtp; 550 4.4.7 QUEUE.Expired; message expired", status.StatusGroups[1]["Diagnostic-Code"]);
        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
        var log = await bed.TrackingLogAsync();
        Assert.Contains(",DEFER,", log, StringComparison.Ordinal);
        Assert.Contains("450 4.4.316 Connection refused", log, StringComparison.Ordinal);
        Assert.Contains(",FAIL,", log, StringComparison.Ordinal);
        Assert.Contains(",DSN,", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_permanent_failure_returns_an_NDR_at_once_but_never_to_the_null_sender()
    {
        await using var bed = new DeliveryTestBed(_ => { });
        bed.Enqueue("alice@domain.com", "nobody@nowhere.test", "Subject: no route\r\n\r\nbody\r\n");
        bed.Enqueue(string.Empty, "nobody@nowhere.test", "Subject: an NDR that fails\r\n\r\nbody\r\n");

        await bed.Agent.RunOnceAsync();
        await bed.Agent.RunOnceAsync();

        var ndr = bed.SingleReport("domain.com", "alice");
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(ndr.Body)[1]);
        Assert.Equal("5.4.4", status.StatusGroups[1]["Status"]);
        Assert.Equal(3, bed.Queue.All().Count); // two originals and exactly one NDR
        Assert.All(bed.Queue.All(), m => Assert.NotEqual(MessageState.Retry, m.State));
    }

    [Fact]
    public async Task One_message_to_three_remote_recipients_is_sent_failed_and_deferred_recipient_by_recipient()
    {
        var received = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
        using var receiver = AiosmtpdReceiver.Start(received, deferRecipients: ["busy@sink.test"], rejectRecipients: ["gone@sink.test"]);
        try
        {
            await using var bed = new DeliveryTestBed(c => c.SendConnectors.Add(new SendConnector
            {
                Name = "Sink", AddressSpaces = ["sink.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{receiver.Port}"],
            }));
            using (var transaction = bed.Spool.Begin(new SpooledEnvelope
            {
                Id = Guid.CreateVersion7().ToString("N"), InternalId = 7, ReceivedUtc = bed.Clock.GetUtcNow(), ConnectorId = "test", SessionId = "0",
                ClientAddress = "127.0.0.1", ClientHelo = "test", MailFrom = "alice@domain.com",
                Recipients = [new SpooledRecipient("ok@sink.test"), new SpooledRecipient("gone@sink.test"), new SpooledRecipient("busy@sink.test")],
            }))
            {
                transaction.Write(Encoding.ASCII.GetBytes("Subject: three fates\r\n\r\nbody\r\n"));
                transaction.Commit();
            }

            await bed.Agent.RunOnceAsync(); // ok delivered, gone failed (NDR queued), busy deferred
            await bed.Agent.RunOnceAsync(); // the NDR reaches alice's mailbox

            Assert.Equal(["ok@sink.test"], Assert.Single(receiver.Messages()).Recipients);
            var original = bed.Queue.All().Single(m => m.MailFrom == "alice@domain.com");
            Assert.Equal(MessageState.Retry, original.State);
            Assert.Equal(
                ["busy@sink.test Pending 451 4.3.0 Mailbox temporarily unavailable", "gone@sink.test Failed 550 5.1.1 User unknown", "ok@sink.test Delivered 250 2.0.0 Ok: queued as 1"],
                original.Recipients.Select(r => $"{r.Address} {r.State} {r.LastStatus}"));
            var ndr = bed.SingleReport("domain.com", "alice");
            var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(ndr.Body)[1]);
            Assert.Equal(2, status.StatusGroups.Count); // per-message group and gone@ only
            Assert.Equal("rfc822; gone@sink.test", status.StatusGroups[1]["Final-Recipient"]);
            Assert.Equal("5.1.1", status.StatusGroups[1]["Status"]);
            var log = await bed.TrackingLogAsync();
            Assert.Contains(",SEND,", log, StringComparison.Ordinal);
            Assert.Contains(",FAIL,", log, StringComparison.Ordinal);
            Assert.Contains(",DEFER,", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(received, recursive: true);
        }
    }

    [Fact]
    public async Task NOTIFY_NEVER_suppresses_the_NDR()
    {
        await using var bed = new DeliveryTestBed(_ => { });
        bed.Enqueue("alice@domain.com", "nobody@nowhere.test", "Subject: quiet\r\n\r\nbody\r\n", notify: "NEVER");

        await bed.Agent.RunOnceAsync();
        await bed.Agent.RunOnceAsync();

        Assert.Equal(MessageState.Failed, Assert.Single(bed.Queue.All()).State);
        Assert.Empty(bed.MaildirFiles("domain.com", "alice"));
    }

    [Fact]
    public async Task After_DelayNotificationTimeout_the_sender_gets_one_delay_notice_and_the_message_stays_queued()
    {
        await using var bed = new DeliveryTestBed(c =>
        {
            c.Transport.DelayNotificationTimeout = TimeSpan.FromMinutes(20);
            c.Transport.TransientFailureRetryInterval = TimeSpan.FromMinutes(1);
            c.Transport.TransientFailureRetryCount = 1;
            DeliveryTestBed.AddDeadEndConnector(c);
        });
        bed.Enqueue("alice@domain.com", "bob@unreachable.test", "Subject: slow\r\n\r\nbody\r\n");

        await bed.Agent.RunOnceAsync(); // deferred, no notice yet
        Assert.Empty(bed.MaildirFiles("domain.com", "alice"));
        bed.Clock.Advance(TimeSpan.FromMinutes(21));
        await bed.Agent.RunOnceAsync(); // still deferred, now overdue: delay DSN queued
        await bed.Agent.RunOnceAsync(); // the DSN is delivered locally
        bed.Clock.Advance(TimeSpan.FromMinutes(11));
        await bed.Agent.RunOnceAsync(); // deferred again: no second notice

        var notice = bed.SingleReport("domain.com", "alice");
        Assert.Equal("Delivery delayed: slow", notice.Subject);
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notice.Body)[1]);
        Assert.Equal("delayed", status.StatusGroups[1]["Action"]);
        Assert.Equal("4.4.316", status.StatusGroups[1]["Status"]);
        Assert.NotNull(status.StatusGroups[1]["Will-Retry-Until"]);
        var original = bed.Queue.All().Single(m => m.MailFrom == "alice@domain.com");
        Assert.Equal(MessageState.Retry, original.State);
        Assert.True(original.DelayNotified);
    }

    [Fact]
    public async Task A_spool_file_damaged_after_ingest_goes_to_Poison_and_does_not_block_the_others()
    {
        await using var bed = new DeliveryTestBed(_ => { });
        bed.Enqueue("alice@domain.com", "bob@domain.com", "Subject: first\r\n\r\nbody\r\n");
        bed.Queue.Ingest(bed.Spool, TimeSpan.FromDays(2), Delivery.TrackingEvents.Describe);
        var damaged = bed.Queue.All().Single();
        var bytes = File.ReadAllBytes(damaged.SpoolPath);
        bytes[^40] ^= 0x01;
        File.WriteAllBytes(damaged.SpoolPath, bytes);
        bed.Clock.Advance(TimeSpan.FromSeconds(1));
        bed.Enqueue("alice@domain.com", "carol@domain.com", "Subject: second\r\n\r\nbody\r\n");

        await bed.Agent.RunOnceAsync();

        var poisoned = bed.Queue.Find(damaged.Id)!;
        Assert.Equal(MessageState.Poison, poisoned.State);
        Assert.Contains("fails its checksum", poisoned.LastError, StringComparison.Ordinal);
        Assert.Single(bed.MaildirFiles("domain.com", "carol"));
    }
}
