using System.Text;
using MailFlow.Configuration.Model;
using MailFlow.Management;
using MailFlow.Queue;
using MailFlow.Testing;
using MailKit.Net.Smtp;
using MimeKit;
using Xunit.Abstractions;

namespace MailFlow.Transport.Tests;

/// <summary>
/// The delivery side of durability: a real `mailflow serve` relays a bounded batch to a third-party sink
/// (aiosmtpd) and is killed with SIGKILL at random moments while it delivers. After the last restart
/// every acknowledged message reaches the sink at least once (docs/decisions/0013: at least once, so a
/// kill between the sink's 250 and our state update may deliver a message twice).
/// </summary>
public sealed class DeliveryCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 3;
    private const int MessagesPerRound = 25;
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Every_acknowledged_message_reaches_the_sink_at_least_once_despite_SIGKILL_during_delivery()
    {
        using var sink = AiosmtpdReceiver.Start(Path.Combine(root, "sink"));
        var (data, port) = ChildServer.Prepare(root);
        ServerAdministration.Open(data).Configuration.Update(c =>
        {
            // An InternalRelay domain: accepted from anyone, relayed through the send connector.
            c.AcceptedDomains.Add(new AcceptedDomain { Name = "sink.test", DomainName = "sink.test", DomainType = AcceptedDomainType.InternalRelay });
            c.SendConnectors.Add(new SendConnector
            {
                Name = "To sink",
                AddressSpaces = ["sink.test"],
                DNSRoutingEnabled = false,
                SmartHosts = [$"127.0.0.1:{sink.Port}"],
                SmtpMaxMessagesPerConnection = 5,
            });
        });
        var acknowledged = new List<string>();

        for (var round = 0; round < Rounds; round++)
        {
            using var server = await ChildServer.StartAsync(data);
            using (var client = new SmtpClient())
            {
                await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
                for (var i = 0; i < MessagesPerRound; i++)
                {
                    var id = $"r{round}m{i}@crash.test";
                    var message = new MimeMessage { MessageId = id, Subject = $"crash {round}/{i}" };
                    message.From.Add(MailboxAddress.Parse("sender@domain.com"));
                    message.To.Add(MailboxAddress.Parse($"user{i % 3}@sink.test"));
                    message.Body = new TextPart("plain") { Text = new string('x', 2000) };
                    await client.SendAsync(message); // returns only after the 250: acknowledged
                    acknowledged.Add(id);
                }

                await client.DisconnectAsync(quit: true);
            }

            // Delivery started with the first acceptance; kill somewhere inside it.
            await Task.Delay(Random.Shared.Next(0, 400));
            server.Kill(); // SIGKILL: no shutdown code runs
            await server.WaitForExitAsync();
        }

        using (var last = await ChildServer.StartAsync(data))
        using (var observer = new QueueDatabase(data.Queue))
        {
            // Done when the sink has everything and the queue agrees (a message's own state is written
            // after all its destinations were tried, so it may lag the sink by a pass).
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline
                && !(acknowledged.All(new HashSet<string>(ReceivedIds(sink)).Contains) && observer.All().All(m => m.State == MessageState.Delivered)))
            {
                await Task.Delay(200);
            }

            last.Kill();
            await last.WaitForExitAsync();
        }

        var received = ReceivedIds(sink);
        var missing = acknowledged.Except(received).ToList();
        Assert.True(missing.Count == 0, $"acknowledged but never delivered: {string.Join(", ", missing)}");
        var duplicates = received.GroupBy(id => id).Count(g => g.Count() > 1);
        output.WriteLine($"{acknowledged.Count} acknowledged, {received.Count} received by the sink, {duplicates} delivered more than once");
        Assert.True(received.Count - acknowledged.Count <= Rounds * 5, "more duplicates than one connection's worth per kill");
        using var queue = new QueueDatabase(data.Queue);
        Assert.All(queue.All(), m => Assert.Equal(MessageState.Delivered, m.State));
        Assert.Empty(Directory.GetFiles(Path.Combine(data.Queue, "incoming"), "*.msg")); // settled messages leave no spool file
    }

    private static List<string> ReceivedIds(AiosmtpdReceiver sink) =>
        sink.Messages().Select(m => MimeMessage.Load(new MemoryStream(m.Content)).MessageId ?? "(none)").ToList();

    public void Dispose() => Directory.Delete(root, recursive: true);
}
