using System.Net;
using System.Net.Sockets;
using System.Text;
using MailFlow.Certificates.Trust;
using MailFlow.Configuration;
using MailFlow.Configuration.Model;
using MailFlow.Transport.Delivery;

namespace MailFlow.Transport.Tests;

/// <summary>security-and-reliability.md SM-20: MailFlow must never be the "A server" of an SMTP smuggling chain.</summary>
public sealed class OutboundWireTests
{
    [Fact]
    public async Task Content_with_lone_CR_and_LF_and_leading_dots_goes_out_with_only_CRLF_doubled_dots_and_one_terminator()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var sink = CaptureDataAsync(listener);
        var configuration = ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");
        var connector = new SendConnector { Name = "Sink", AddressSpaces = ["*"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{port}"] };
        var content = Encoding.ASCII.GetBytes("Subject: wire\r\n\r\nfirst\n.\nMAIL FROM:<evil@x>\r\nbare\rcr\r\n.leading dot\r\n..two dots\r\nlast line without end");

        var attempt = await new OutboundDelivery(configuration, TrustAnchors.Empty).SendAsync(connector, "a@domain.com", ["b@elsewhere.test"], content, CancellationToken.None);
        var wire = await sink.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(attempt.Recipients["b@elsewhere.test"].Delivered, attempt.LastErrorDetail);
        for (var i = 0; i < wire.Length; i++)
        {
            Assert.False(wire[i] == '\n' && (i == 0 || wire[i - 1] != '\r'), $"bare LF at {i}");
            Assert.False(wire[i] == '\r' && (i + 1 == wire.Length || wire[i + 1] != '\n'), $"bare CR at {i}");
        }

        var text = Encoding.ASCII.GetString(wire);
        Assert.Contains("\r\n..leading dot\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\n...two dots\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\n..\r\nMAIL FROM:<evil@x>\r\n", text, StringComparison.Ordinal); // the smuggled terminator is stuffed, not sent bare
        Assert.EndsWith("last line without end\r\n.\r\n", text, StringComparison.Ordinal);
        Assert.Equal(text.Length - 3, text.IndexOf("\r\n.\r\n", StringComparison.Ordinal) + 2);
    }

    /// <summary>A minimal plaintext SMTP receiver that returns the exact bytes of the DATA phase.</summary>
    private static async Task<byte[]> CaptureDataAsync(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        await Send(stream, "220 sink ESMTP");
        var buffer = new MemoryStream();
        var data = false;
        var chunk = new byte[4096];
        while (true)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                return [];
            }

            buffer.Write(chunk, 0, read);
            var text = Encoding.ASCII.GetString(buffer.ToArray());
            if (data)
            {
                if (text.EndsWith("\r\n.\r\n", StringComparison.Ordinal))
                {
                    await Send(stream, "250 2.0.0 queued");
                    return buffer.ToArray();
                }

                continue;
            }

            while (text.Contains("\r\n", StringComparison.Ordinal))
            {
                var line = text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
                text = text[(line.Length + 2)..];
                buffer = new MemoryStream();
                buffer.Write(Encoding.ASCII.GetBytes(text));
                if (line.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase))
                {
                    await Send(stream, "250-sink\r\n250 8BITMIME");
                }
                else if (line.StartsWith("DATA", StringComparison.OrdinalIgnoreCase))
                {
                    await Send(stream, "354 go ahead");
                    data = true;
                    break;
                }
                else
                {
                    await Send(stream, "250 2.0.0 OK");
                }
            }
        }
    }

    private static Task Send(NetworkStream stream, string reply) => stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n")).AsTask();
}
