using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MailFlow.Testing;

/// <summary>
/// A stand-in for a load balancer or multi-tenant front end that terminates STARTTLS itself and picks
/// its certificate from SNI: the named certificate for clients that send the name, a default one for
/// clients that send none (RC14). It answers EHLO with STARTTLS and QUIT after the handshake; it never
/// takes mail.
/// </summary>
public sealed class SniFrontEnd : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private readonly bool breakHandshake;

    /// <param name="breakHandshake">Answer the TLS ClientHello with plaintext instead, as a broken middlebox does.</param>
    public SniFrontEnd(string name, X509Certificate2 named, X509Certificate2 fallback, bool breakHandshake = false)
    {
        this.breakHandshake = breakHandshake;
        listener.Start();
        loop = Task.Run(async () =>
        {
            while (!stopping.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stopping.Token);
                _ = Task.Run(() => ServeAsync(client, name, named, fallback));
            }
        });
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
    }

    private async Task ServeAsync(TcpClient client, string name, X509Certificate2 named, X509Certificate2 fallback)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                await Write(stream, "220 lb.domain.com ESMTP");
                using var reader = new StreamReader(stream, Encoding.ASCII, false, 1, leaveOpen: true); // 1-byte buffer: nothing read past STARTTLS
                while (await reader.ReadLineAsync(stopping.Token) is { } line)
                {
                    if (line.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase))
                    {
                        await Write(stream, "250-lb.domain.com\r\n250 STARTTLS");
                    }
                    else if (line.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase))
                    {
                        await Write(stream, "220 2.0.0 Ready");
                        if (breakHandshake)
                        {
                            await stream.ReadExactlyAsync(new byte[5], stopping.Token); // the ClientHello's record header
                            await Write(stream, "HTTP/1.1 400 Bad Request");
                            return;
                        }

                        await using var tls = new SslStream(stream, leaveInnerStreamOpen: true);
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                        {
                            ServerCertificateSelectionCallback = (_, sni) => string.Equals(sni, name, StringComparison.OrdinalIgnoreCase) ? named : fallback,
                        }, stopping.Token);
                        return; // the probe says QUIT inside TLS; nothing more to serve
                    }
                    else
                    {
                        await Write(stream, "221 2.0.0 Bye");
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException or SocketException)
            {
                // The probe went away; nothing to clean up.
            }
        }
    }

    private async Task Write(Stream stream, string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text + "\r\n"), stopping.Token);
}
