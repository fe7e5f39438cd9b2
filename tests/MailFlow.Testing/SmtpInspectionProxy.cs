using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailFlow.Testing;

/// <summary>
/// A stand-in for a firewall's SMTP inspection (Cisco ASA "mask-banner", "no allow-tls"): relays TCP to
/// a server, replacing the banner text with asterisks and the STARTTLS keyword of the EHLO reply with
/// XXXXXXXA, so clients never see STARTTLS.
/// </summary>
public sealed class SmtpInspectionProxy : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;

    public SmtpInspectionProxy(IPAddress address, IPEndPoint target)
    {
        this.target = target;
        listener = new TcpListener(address, 0);
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stopping.Token);
            _ = Task.Run(async () =>
            {
                using (client)
                using (var server = new TcpClient())
                {
                    await server.ConnectAsync(target, stopping.Token);
                    var fromClient = client.GetStream().CopyToAsync(server.GetStream(), stopping.Token);
                    var fromServer = RewriteAsync(server.GetStream(), client.GetStream());
                    await Task.WhenAny(fromClient, fromServer);
                }
            });
        }
    }

    private async Task RewriteAsync(Stream from, Stream to)
    {
        using var reader = new StreamReader(from, Encoding.ASCII);
        var first = true;
        while (await reader.ReadLineAsync(stopping.Token) is { } line)
        {
            if (first && line.StartsWith("220", StringComparison.Ordinal))
            {
                line = "220 " + new string('*', Math.Max(0, line.Length - 4));
            }

            first = false;
            if (line.Length > 4 && line[4..].Equals("STARTTLS", StringComparison.OrdinalIgnoreCase))
            {
                line = line[..4] + "XXXXXXXA";
            }

            await to.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), stopping.Token);
        }
    }
}
