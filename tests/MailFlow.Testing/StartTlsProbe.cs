using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MailFlow.Testing;

/// <summary>A minimal sending MTA for tests: banner, EHLO, STARTTLS, handshake; returns the certificate the server presented.</summary>
public static class StartTlsProbe
{
    public static async Task<X509Certificate2> PresentedCertificateAsync(int port, string serverName = "hybrid.domain.com")
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        await ReadReplyAsync(stream, "220");
        await stream.WriteAsync("EHLO probe.test\r\n"u8.ToArray());
        await ReadReplyAsync(stream, "250");
        await stream.WriteAsync("STARTTLS\r\n"u8.ToArray());
        await ReadReplyAsync(stream, "220");
        await using var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = (_, _, _, _) => true, // the test judges the certificate itself
        });
        return X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
    }

    /// <summary>Reads one (possibly multi-line) reply byte by byte, so nothing after it is consumed.</summary>
    private static async Task ReadReplyAsync(NetworkStream stream, string expectedCode)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException($"connection closed while waiting for {expectedCode}");
            }

            line.Append((char)one[0]);
            if (one[0] != '\n')
            {
                continue;
            }

            var text = line.ToString();
            line.Clear();
            if (!text.StartsWith(expectedCode, StringComparison.Ordinal))
            {
                throw new IOException($"expected {expectedCode}, got {text.TrimEnd()}");
            }

            if (text.Length > 3 && text[3] == ' ')
            {
                return;
            }
        }
    }
}
