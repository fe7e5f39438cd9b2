using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailFlow.Lab;

/// <summary>What the device in front of the server does to SMTP.</summary>
public enum SmtpDeviceBehaviour
{
    /// <summary>Copies bytes both ways untouched ("no inspect esmtp").</summary>
    PassThrough,

    /// <summary>Cisco PIX/ASA "mailguard" (KB 320027, RC11): masks the banner, overwrites STARTTLS with X's, answers STARTTLS with 500.</summary>
    Inspect,

    /// <summary>
    /// Lets STARTTLS through, then resets the connection on the client's first TLS record: what a server
    /// whose TLS 1.2 is disabled does to a TLS 1.2 ClientHello (RC12; KB-SOCKET's SocketError).
    /// </summary>
    AbortHandshake,
}

/// <summary>
/// A device in front of a server on loopback that reads SMTP line by line and misbehaves as
/// <see cref="Behaviour"/> says; the lab's stand-in for firewalls and servers that break TLS for reasons the
/// receiving server's own log cannot show.
/// </summary>
public sealed class SmtpInspectionProxy(IPAddress address, IPEndPoint backend) : LoopbackDevice(address)
{
    /// <summary>Read per connection, so a change applies to the next connection.</summary>
    public SmtpDeviceBehaviour Behaviour { get; set; } = SmtpDeviceBehaviour.Inspect;

    /// <summary>The banner as mask-banner rewrites it: the code kept, every other character a <c>*</c>.</summary>
    public static string MaskBanner(string line) => line.Length <= 4 ? line : line[..4] + new string('*', line.Length - 4);

    /// <summary>An EHLO reply line with STARTTLS overwritten by X's of the same length ending in A, as the ASA writes it.</summary>
    public static string MaskKeyword(string line) =>
        line.Length >= 12 && line.AsSpan(4).StartsWith("STARTTLS", StringComparison.OrdinalIgnoreCase) ? line[..4] + "XXXXXXXA" + line[12..] : line;

    protected override Task ServeAsync(Socket client) => Behaviour switch
    {
        SmtpDeviceBehaviour.PassThrough => RelayAsync(client, backend),
        var behaviour => InspectAsync(client, behaviour),
    };

    /// <summary>Line by line: the device reads SMTP, and rewrites replies, answers STARTTLS or cuts the handshake as it behaves.</summary>
    private Task InspectAsync(Socket client, SmtpDeviceBehaviour behaviour) => ThroughAsync(client, backend, async (server, toServer, toClient) =>
    {
        using var fromServer = new StreamReader(toServer, Encoding.ASCII);
        using var fromClient = new StreamReader(toClient, Encoding.ASCII);
        var banner = true;
        var inspect = behaviour == SmtpDeviceBehaviour.Inspect;
        var startTls = new TaskCompletionSource();
        var serverLines = Task.Run(async () =>
        {
            while (await fromServer.ReadLineAsync(Stopping) is { } line)
            {
                var rewritten = !inspect ? line : banner && line.StartsWith("220", StringComparison.Ordinal) ? MaskBanner(line) : MaskKeyword(line);
                banner = false;
                await WriteAsync(toClient, rewritten);
                if (startTls.Task.IsCompleted && line.StartsWith("220", StringComparison.Ordinal))
                {
                    return; // the server is now in its TLS handshake: the client's next bytes are a ClientHello
                }
            }
        });
        while (await fromClient.ReadLineAsync(Stopping) is { } command)
        {
            if (command.Trim().Equals("STARTTLS", StringComparison.OrdinalIgnoreCase))
            {
                if (inspect)
                {
                    await WriteAsync(toClient, "500 5.5.1 Command unrecognized");
                    continue;
                }

                startTls.TrySetResult();
                await WriteAsync(toServer, command);
                await serverLines;
                // The ClientHello arrives; answer it with a reset, as Schannel does to a protocol it has disabled.
                var hello = new byte[1];
                _ = await toClient.ReadAsync(hello, Stopping);
                client.LingerState = new LingerOption(true, 0);
                return;
            }

            await WriteAsync(toServer, command);
        }

        server.Shutdown(SocketShutdown.Send);
        await serverLines;
    });

    private static Task WriteAsync(Stream to, string line) => to.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n")).AsTask();
}
