using MailFlow.Configuration.Model;
using MailFlow.Queue;
using MailFlow.Testing;

namespace MailFlow.Transport.Tests;

/// <summary>Exchange's retry sequence (exchange-semantics.md §9.1) on the fake clock, from the queue's own NextRetryTime.</summary>
public sealed class RetryScheduleTests
{
    [Fact]
    public async Task An_unreachable_destination_gets_glitch_then_transient_then_connection_failure_retries()
    {
        await using var bed = new DeliveryTestBed(DeliveryTestBed.AddDeadEndConnector);
        var id = bed.Enqueue("alice@domain.com", "bob@unreachable.test", "Subject: retried\r\n\r\nbody\r\n");
        var waits = new List<TimeSpan>();

        for (var attempt = 0; attempt < 12; attempt++)
        {
            Assert.Equal(1, await bed.Agent.RunOnceAsync());
            var next = bed.Queue.Find(id)!.NextAttemptUtc;
            waits.Add(next - bed.Clock.GetUtcNow());
            bed.Clock.Advance(next - bed.Clock.GetUtcNow());
        }

        var glitch = TimeSpan.FromMinutes(1);
        var transient = TimeSpan.FromMinutes(5);
        var outbound = TimeSpan.FromMinutes(10);
        Assert.Equal([glitch, glitch, glitch, glitch, transient, transient, transient, transient, transient, transient, outbound, outbound], waits);
    }

    [Fact]
    public async Task A_message_the_server_defers_waits_MessageRetryInterval()
    {
        var received = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
        using var receiver = AiosmtpdReceiver.Start(received, deferRecipients: ["busy@sink.test"]);
        try
        {
            await using var bed = new DeliveryTestBed(c => c.SendConnectors.Add(new SendConnector
            {
                Name = "Sink", AddressSpaces = ["sink.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{receiver.Port}"],
            }));
            var id = bed.Enqueue("alice@domain.com", "busy@sink.test", "Subject: later\r\n\r\nbody\r\n");

            await bed.Agent.RunOnceAsync();

            var message = bed.Queue.Find(id)!;
            Assert.Equal(MessageState.Retry, message.State);
            Assert.Equal(bed.Clock.GetUtcNow() + bed.Configuration.Transport.MessageRetryInterval, message.NextAttemptUtc);
            Assert.Equal("451 4.3.0 Mailbox temporarily unavailable", Assert.Single(message.Recipients).LastStatus);
            Assert.Contains("{LED=451 4.3.0 Mailbox temporarily unavailable}", message.LastError, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(received, recursive: true);
        }
    }
}
