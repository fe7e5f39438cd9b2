using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;
using MailFlow.Queue;
using MailFlow.Transport.Administration;
using MailFlow.Testing;
using MimeKit;

namespace MailFlow.Transport.Tests;

/// <summary>Get-Queue, Get-Message, Retry-Queue, Suspend/Resume/Remove-Message on a real queue, and connection reuse per destination.</summary>
public sealed class QueueAdministrationTests
{
    [Fact]
    public async Task Get_Queue_shows_Submission_before_the_first_attempt_and_the_connector_queue_in_Retry_after()
    {
        await using var bed = new DeliveryTestBed(DeliveryTestBed.AddDeadEndConnector);
        bed.Enqueue("alice@domain.com", "bob@unreachable.test", "Subject: one\r\n\r\nbody\r\n");
        bed.Enqueue("carol@domain.com", "dave@unreachable.test", "Subject: two\r\n\r\nbody\r\n");
        bed.Queue.Ingest(bed.Spool, TimeSpan.FromDays(2), Delivery.TrackingEvents.Describe);

        var submission = Assert.Single(bed.Administration.GetQueue());
        Assert.Equal(@"SERVER1\Submission", submission.Identity);
        Assert.Equal(2, submission.MessageCount);

        await bed.Agent.RunOnceAsync();

        var retry = Assert.Single(bed.Administration.GetQueue());
        Assert.Equal(@"SERVER1\Dead end", retry.Identity);
        Assert.Equal("SmartHostConnectorDelivery", retry.DeliveryType);
        Assert.Equal(MessageState.Retry, retry.Status);
        Assert.Equal(2, retry.MessageCount);
        Assert.Contains("{LED=450 4.4.316 Connection refused", retry.LastError, StringComparison.Ordinal);
        Assert.Equal(bed.Clock.GetUtcNow() + bed.Configuration.Transport.QueueGlitchRetryInterval, retry.NextRetryTime); // the first glitch retry

        var fromCarol = Assert.Single(bed.Administration.GetMessage(new MessageFilter(Sender: "CAROL@domain.com")));
        Assert.StartsWith(@"SERVER1\Dead end\", fromCarol.Identity, StringComparison.Ordinal);
        Assert.Equal(1, fromCarol.RetryCount);
        Assert.Equal(2, bed.Administration.GetMessage(new MessageFilter(NextHopDomain: "Dead end")).Count);
        Assert.Empty(bed.Administration.GetMessage(new MessageFilter(Status: MessageState.Suspended)));

        Assert.Equal(2, bed.Administration.RetryQueue(@"SERVER1\Dead end"));
        Assert.Equal(2, await bed.Agent.RunOnceAsync()); // due again at once, without advancing the clock
    }

    [Fact]
    public async Task A_suspended_message_is_not_attempted_until_it_is_resumed()
    {
        await using var bed = new DeliveryTestBed(DeliveryTestBed.AddDeadEndConnector);
        var id = bed.Enqueue("alice@domain.com", "bob@unreachable.test", "Subject: held\r\n\r\nbody\r\n");
        bed.Queue.Ingest(bed.Spool, TimeSpan.FromDays(2), Delivery.TrackingEvents.Describe);

        bed.Administration.SuspendMessage(@"SERVER1\Submission\" + id);
        Assert.Equal(0, await bed.Agent.RunOnceAsync());
        Assert.Equal(MessageState.Suspended, bed.Queue.Find(id)!.State);
        var error = Assert.Throws<MailFlowException>(() => bed.Administration.SuspendMessage(id));
        Assert.Contains("Ready or Retry", error.Message, StringComparison.Ordinal);

        bed.Administration.ResumeMessage(id);
        Assert.Equal(1, await bed.Agent.RunOnceAsync());
        Assert.Equal(MessageState.Retry, bed.Queue.Find(id)!.State);
    }

    [Fact]
    public async Task Remove_Message_WithNDR_returns_it_to_the_sender_and_deletes_the_spool_file()
    {
        await using var bed = new DeliveryTestBed(DeliveryTestBed.AddDeadEndConnector);
        var withNdr = bed.Enqueue("alice@domain.com", "bob@unreachable.test", "Subject: removed loudly\r\n\r\nbody\r\n");
        var silently = bed.Enqueue("carol@domain.com", "dave@unreachable.test", "Subject: removed quietly\r\n\r\nbody\r\n");
        await bed.Agent.RunOnceAsync();
        var spoolFile = bed.Queue.Find(withNdr)!.SpoolPath;

        bed.Administration.RemoveMessage(withNdr, withNdr: true);
        bed.Administration.RemoveMessage(silently, withNdr: false);
        await bed.Agent.RunOnceAsync(); // delivers the NDR locally

        Assert.Null(bed.Queue.Find(withNdr));
        Assert.Null(bed.Queue.Find(silently));
        Assert.False(File.Exists(spoolFile));
        var ndr = bed.SingleReport("domain.com", "alice");
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(ndr.Body)[1]);
        Assert.Equal("smtp; " + QueueAdministration.RemovedByAdministrator, status.StatusGroups[1]["Diagnostic-Code"]);
        Assert.Empty(bed.MaildirFiles("domain.com", "carol"));
        Assert.Contains(",FAIL,", await bed.TrackingLogAsync(), StringComparison.Ordinal);
        Assert.Throws<MailFlowException>(() => bed.Administration.RemoveMessage(withNdr, withNdr: false));
        Assert.Equal(MailFlowErrorKind.InvalidArgument, Assert.Throws<MailFlowException>(() => bed.Administration.RemoveMessage("SERVER1\\x\\not-an-id", false)).Kind);
    }

    [Theory]
    [InlineData(2, 1, 3)] // five messages, two per connection, one connection at a time: 2 + 2 + 1
    [InlineData(20, 1, 1)] // all five over one connection
    [InlineData(1, 5, 5)] // one message per connection, five in parallel
    public async Task Messages_to_one_destination_share_connections_up_to_SmtpMaxMessagesPerConnection(int perConnection, int perDomain, int expectedConnections)
    {
        var received = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
        using var receiver = AiosmtpdReceiver.Start(received);
        try
        {
            await using var bed = new DeliveryTestBed(c =>
            {
                c.Transport.MaxPerDomainOutboundConnections = perDomain;
                c.SendConnectors.Add(new SendConnector
                {
                    Name = "Sink", AddressSpaces = ["sink.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{receiver.Port}"], SmtpMaxMessagesPerConnection = perConnection,
                });
            });
            for (var i = 0; i < 5; i++)
            {
                bed.Enqueue("alice@domain.com", $"user{i}@sink.test", $"Subject: {i}\r\n\r\nbody {i}\r\n");
            }

            Assert.Equal(5, await bed.Agent.RunOnceAsync());

            var messages = receiver.Messages();
            Assert.Equal(5, messages.Count);
            Assert.Equal(expectedConnections, messages.Select(m => m.PeerPort).Distinct().Count());
            Assert.All(bed.Queue.All(), m => Assert.Equal(MessageState.Delivered, m.State));
            Assert.Equal(5, (await bed.TrackingLogAsync()).Split('\n').Count(l => l.Contains(",SEND,", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(received, recursive: true);
        }
    }
}
