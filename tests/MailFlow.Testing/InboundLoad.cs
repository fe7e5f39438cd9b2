using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using MailFlow.Logs.Reading;

namespace MailFlow.Testing;

/// <summary>
/// Plain-socket SMTP clients that send one message per connection until stopped, for crash tests: a
/// message counts as acknowledged only when its 250 arrived, which is the promise the server must keep.
/// </summary>
public static class InboundLoad
{
    /// <summary>Sends until <paramref name="stop"/>; the recipient of the i-th message is <paramref name="recipientOf"/>(i). Acknowledged Message-IDs land in <paramref name="acknowledged"/>.</summary>
    public static async Task SendUntilStoppedAsync(int port, string prefix, Func<int, string> recipientOf, ConcurrentDictionary<string, string> acknowledged, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(recipientOf);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var id = $"<{prefix}-{i}@crash.test>";
            try
            {
                await SendOneAsync(port, id, recipientOf(i), acknowledged, stop);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // The server died mid-conversation: this message was never acknowledged.
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }

    public static async Task SendOneAsync(int port, string id, string recipient, ConcurrentDictionary<string, string> acknowledged, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, stop);
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await reader.ReadLineAsync(stop);
        foreach (var command in new[] { "HELO load.test", "MAIL FROM:<load@crash.test>", $"RCPT TO:<{recipient}>", "DATA" })
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), stop);
            await reader.ReadLineAsync(stop);
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"Message-ID: {id}\r\nSubject: load {id}\r\n\r\n{new string('x', 900)}\r\n.\r\n"), stop);
        var reply = await reader.ReadLineAsync(stop);
        if (reply is not null && reply.StartsWith("250 2.6.0", StringComparison.Ordinal))
        {
            acknowledged[id] = recipient;
        }
    }

    /// <summary>How many times each (Message-ID, event-id) appears in a message tracking log folder.</summary>
    public static Dictionary<(string MessageId, string EventId), int> TrackingCounts(string trackingDirectory)
    {
        var counts = new Dictionary<(string, string), int>();
        var reader = new ExchangeLogReader();
        foreach (var row in ExchangeLogReader.Files(trackingDirectory).SelectMany(reader.Read))
        {
            var key = (row["message-id"] ?? string.Empty, row["event-id"] ?? string.Empty);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }
}
