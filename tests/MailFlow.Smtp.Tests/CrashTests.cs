using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using MailFlow.Smtp.Tests.Harness;
using MailFlow.Testing;
using MailFlow.Queue;

namespace MailFlow.Smtp.Tests;

/// <summary>
/// security-and-reliability.md DU-01..DU-03: a real `mailflow serve` child is killed with SIGKILL at a
/// random moment under load. Every message that got a 250 must be in the queue afterwards, whole and
/// byte-identical; partial messages never appear in incoming/ and are cleaned at the next start.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private const int Rounds = 3;
    private const int Clients = 6;
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Every_acknowledged_message_survives_SIGKILL()
    {
        var (data, port) = ChildServer.Prepare(root);
        var acknowledged = new ConcurrentDictionary<string, string>();
        var totalAcknowledged = 0;

        for (var round = 0; round < Rounds; round++)
        {
            using var server = await ChildServer.StartAsync(data);
            using (var warmUp = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                // One message first, so the window below is load, not the child's JIT start-up.
                await SendOneAsync(port, $"<warm-{round}@crash.test>", "Subject: warm\r\n\r\nwarm\r\n", acknowledged, warmUp.Token);
            }

            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, Clients).Select(c => SendUntilStoppedAsync(port, $"r{round}c{c}", acknowledged, stop.Token)).ToArray();
            await Task.Delay(Random.Shared.Next(500, 2000));
            server.Kill(); // SIGKILL: no shutdown code runs
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(load);

            // An acknowledged message is either still queued or already delivered into the Maildir.
            var queued = Directory.EnumerateFiles(Path.Combine(data.Queue, "incoming"), "*.msg").Select(f => Encoding.ASCII.GetString(Spool.Read(f).Content.Span));
            var maildir = Path.Combine(data.Mailboxes, "domain.com", "user", "Maildir", "new");
            var delivered = Directory.Exists(maildir) ? Directory.EnumerateFiles(maildir).Select(File.ReadAllText) : [];
            var byId = queued.Concat(delivered).GroupBy(MessageIdOf).ToDictionary(g => g.Key, g => g.First());
            foreach (var (id, body) in acknowledged)
            {
                Assert.True(byId.TryGetValue(id, out var content), $"acknowledged message {id} is missing after SIGKILL in round {round}");
                Assert.EndsWith(body, content, StringComparison.Ordinal);
            }

            totalAcknowledged = acknowledged.Count;
        }

        Assert.True(totalAcknowledged > Rounds, $"the load generator got only {totalAcknowledged} messages acknowledged");
        using var restarted = await ChildServer.StartAsync(data);
        restarted.Kill();
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(data.Queue, "staging")));
    }

    private static async Task SendUntilStoppedAsync(int port, string prefix, ConcurrentDictionary<string, string> acknowledged, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var id = $"<{prefix}-{i}@crash.test>";
            var body = $"Subject: crash {i}\r\n\r\n{new string((char)('a' + (i % 26)), 900)}\r\nend {id}\r\n";
            try
            {
                await SendOneAsync(port, id, body, acknowledged, stop);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // The server died mid-conversation: this message was never acknowledged.
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }

    private static async Task SendOneAsync(int port, string id, string body, ConcurrentDictionary<string, string> acknowledged, CancellationToken stop)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, stop);
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await reader.ReadLineAsync(stop);
        foreach (var command in new[] { "HELO load.test", "MAIL FROM:<load@crash.test>", "RCPT TO:<user@domain.com>", "DATA" })
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), stop);
            await reader.ReadLineAsync(stop);
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"Message-ID: {id}\r\n{body}.\r\n"), stop);
        var reply = await reader.ReadLineAsync(stop);
        if (reply is not null && reply.StartsWith("250 2.6.0", StringComparison.Ordinal))
        {
            acknowledged[id] = body;
        }
    }

    private static string MessageIdOf(string text)
    {
        var start = text.IndexOf("Message-ID: ", StringComparison.Ordinal) + 12;
        return text[start..text.IndexOf("\r\n", start, StringComparison.Ordinal)];
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
