using System.Net;
using System.Net.Sockets;
using MailFlow.Configuration.Model;
using MailFlow.Queue;
using MailFlow.Testing;

namespace MailFlow.Transport.Tests;

/// <summary>
/// The delivery pipeline has no pass barrier (docs/decisions/0018): each message finishes on its own,
/// MaxActiveMessages bounds what is in flight, and an open connection waits briefly for the next message.
/// </summary>
public sealed class ContinuousDeliveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_destination_that_never_answers_does_not_hold_up_mail_for_another()
    {
        using var silent = new SilentSmtpListener();
        using var receiver = AiosmtpdReceiver.Start(NewDirectory());
        await using var bed = new DeliveryTestBed(c =>
        {
            c.SendConnectors.Add(new SendConnector { Name = "Silent", AddressSpaces = ["silent.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{silent.Port}"] });
            c.SendConnectors.Add(new SendConnector { Name = "Sink", AddressSpaces = ["sink.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{receiver.Port}"] });
        });
        var stuck = bed.Enqueue("alice@domain.com", "bob@silent.test", "Subject: stuck\r\n\r\nx\r\n");
        var quick = bed.Enqueue("alice@domain.com", "carol@sink.test", "Subject: quick\r\n\r\ny\r\n");

        var attempts = bed.Agent.Dispatch();

        Assert.Equal(2, attempts.Count);
        // The quick attempt's task ends (and leaves InFlight) just after its message is marked Delivered,
        // so wait for the task itself; the silent one cannot end before a greeting.
        var finished = await Task.WhenAny(attempts).WaitAsync(Patience);
        await finished;
        Assert.Equal(MessageState.Delivered, bed.Queue.Find(quick)!.State);
        Assert.Single(receiver.Messages());
        await WaitUntilAsync(() => silent.Accepted == 1);
        Assert.Equal(1, bed.Agent.InFlight);
        Assert.Equal(MessageState.Ready, bed.Queue.Find(stuck)!.State);

        // Stopping cancels the attempt still waiting for a greeting; its message stays due, nothing recorded.
        await bed.Agent.StopAsync(TimeSpan.Zero);
        Assert.Equal(0, bed.Agent.InFlight);
        var left = bed.Queue.Find(stuck)!;
        Assert.Equal(MessageState.Ready, left.State);
        Assert.Equal(RecipientState.Pending, Assert.Single(left.Recipients).State);
        Assert.Null(Assert.Single(left.Recipients).LastStatus);
    }

    [Fact]
    public async Task MaxActiveMessages_bounds_the_attempts_in_flight_and_a_finished_one_makes_room()
    {
        using var silent = new SilentSmtpListener();
        await using var bed = new DeliveryTestBed(c =>
        {
            c.Transport.MaxActiveMessages = 2;
            c.SendConnectors.Add(new SendConnector { Name = "Silent", AddressSpaces = ["silent.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{silent.Port}"] });
        });
        bed.Enqueue("alice@domain.com", "bob@silent.test", "Subject: 1\r\n\r\n1\r\n");
        bed.Enqueue("alice@domain.com", "dave@silent.test", "Subject: 2\r\n\r\n2\r\n");
        var freed = 0;
        bed.Agent.CapacityFreed += () => Interlocked.Increment(ref freed);

        var first = bed.Agent.Dispatch();
        bed.Clock.Advance(TimeSpan.FromSeconds(1)); // the local message is received after the two stuck ones
        var local = bed.Enqueue("alice@domain.com", "carol@domain.com", "Subject: 3\r\n\r\n3\r\n");
        await WaitUntilAsync(() => silent.Accepted == 2);

        Assert.Equal(2, first.Count);
        Assert.Empty(bed.Agent.Dispatch()); // two in flight: no room for the third
        Assert.Equal(2, bed.Agent.InFlight);
        Assert.Empty(bed.MaildirFiles("domain.com", "carol"));

        silent.DropAll(); // both attempts end (connection closed abruptly): deferred, room again
        await Task.WhenAll(first);
        Assert.Equal(1, Volatile.Read(ref freed));
        await Assert.Single(bed.Agent.Dispatch()).WaitAsync(Patience);
        Assert.Single(bed.MaildirFiles("domain.com", "carol"));
        Assert.Equal(MessageState.Delivered, bed.Queue.Find(local)!.State);
        Assert.All(bed.Queue.All().Where(m => m.Id != local), m => Assert.Equal(MessageState.Retry, m.State));
    }

    [Theory]
    [InlineData(20, 1)] // the idle connection waits and carries the second message
    [InlineData(1, 2)] // one message per connection: a new connection each time
    public async Task An_open_connection_waits_briefly_for_the_next_message(int perConnection, int expectedConnections)
    {
        using var receiver = AiosmtpdReceiver.Start(NewDirectory());
        await using var bed = new DeliveryTestBed(c => c.SendConnectors.Add(new SendConnector
        {
            Name = "Sink", AddressSpaces = ["sink.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{receiver.Port}"], SmtpMaxMessagesPerConnection = perConnection,
        }));

        bed.Enqueue("alice@domain.com", "one@sink.test", "Subject: 1\r\n\r\n1\r\n");
        Assert.Equal(1, await bed.Agent.RunOnceAsync());
        await Task.Delay(300);
        bed.Enqueue("alice@domain.com", "two@sink.test", "Subject: 2\r\n\r\n2\r\n");
        Assert.Equal(1, await bed.Agent.RunOnceAsync());

        var messages = receiver.Messages();
        Assert.Equal(2, messages.Count);
        Assert.Equal(expectedConnections, messages.Select(m => m.PeerPort).Distinct().Count());
    }

    [Fact]
    public async Task A_reused_connection_the_server_closed_while_idle_costs_a_reconnect_not_a_deferral()
    {
        // aiosmtpd drops a connection idle for 0.5 s; MailFlow's idle connection waits 2 s, so the second
        // message finds a connection the server has already closed.
        using var receiver = AiosmtpdReceiver.Start(NewDirectory(), idleTimeout: TimeSpan.FromSeconds(0.5));
        await using var bed = new DeliveryTestBed(c => c.SendConnectors.Add(new SendConnector
        {
            Name = "Sink", AddressSpaces = ["sink.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{receiver.Port}"], SmtpMaxMessagesPerConnection = 20,
        }));

        bed.Enqueue("alice@domain.com", "one@sink.test", "Subject: 1\r\n\r\n1\r\n");
        Assert.Equal(1, await bed.Agent.RunOnceAsync());
        await Task.Delay(1200);
        var second = bed.Enqueue("alice@domain.com", "two@sink.test", "Subject: 2\r\n\r\n2\r\n");
        Assert.Equal(1, await bed.Agent.RunOnceAsync());

        Assert.Equal(MessageState.Delivered, bed.Queue.Find(second)!.State);
        var messages = receiver.Messages();
        Assert.Equal(2, messages.Count);
        Assert.Equal(2, messages.Select(m => m.PeerPort).Distinct().Count());
        Assert.DoesNotContain(",DEFER,", await bed.TrackingLogAsync(), StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private static string NewDirectory() => Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Accepts TCP connections on loopback and never sends a greeting, until told to drop them.</summary>
    private sealed class SilentSmtpListener : IDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> connections = [];
        private readonly Task accepting;

        public SilentSmtpListener()
        {
            listener.Start();
            accepting = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var socket = await listener.AcceptSocketAsync();
                        lock (connections)
                        {
                            connections.Add(socket);
                        }
                    }
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // Stopped.
                }
            });
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public int Accepted
        {
            get
            {
                lock (connections)
                {
                    return connections.Count;
                }
            }
        }

        public void DropAll()
        {
            lock (connections)
            {
                foreach (var socket in connections)
                {
                    socket.Close();
                }
            }
        }

        public void Dispose()
        {
            listener.Stop();
            accepting.Wait();
            DropAll();
        }
    }
}
