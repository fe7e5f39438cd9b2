using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration;
using MailFlow.Configuration.Model;
using MailFlow.Transport.Delivery;

namespace MailFlow.Transport.Tests;

/// <summary>
/// security-and-reliability.md §2.3: a server (or a man in the middle) that sends extra reply lines in
/// the same segment as its STARTTLS 220 is attacking the client; the attempt must be deferred, never completed.
/// </summary>
public sealed class StartTlsInjectionTests
{
    [Fact]
    public async Task Lines_pipelined_behind_the_STARTTLS_220_abort_the_attempt()
    {
        using var certificate = SelfSignedCertificateFactory.Create(new SelfSignedCertificateSpec("CN=mx.injector.test") { DomainNames = ["mx.injector.test"], Key = KeyAlgorithm.EcdsaP256 });
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = InjectingServerAsync(listener, certificate);
        var configuration = ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");
        var connector = new SendConnector
        {
            Name = "To injector",
            AddressSpaces = ["*"],
            DNSRoutingEnabled = false,
            SmartHosts = [$"127.0.0.1:{port}"],
            RequireTLS = true,
            TlsAuthLevel = TlsAuthLevel.EncryptionOnly,
        };

        var attempt = await new OutboundDelivery(configuration, TrustAnchors.Empty).SendAsync(connector, "a@domain.com", ["b@injector.test"], "Subject: x\r\n\r\nbody\r\n"u8.ToArray(), CancellationToken.None);
        var serverSawMessage = await server.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.False(attempt.Recipients["b@injector.test"].Delivered);
        Assert.False(serverSawMessage);
        Assert.StartsWith("450 4.4.317", attempt.LastErrorDetail, StringComparison.Ordinal);
    }

    /// <summary>Answers STARTTLS with "220" plus two injected lines in one write, then serves TLS; true if a message arrived.</summary>
    private static async Task<bool> InjectingServerAsync(TcpListener listener, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        using var client = await listener.AcceptTcpClientAsync();
        Stream stream = client.GetStream();
        await Write(stream, "220 injector ESMTP\r\n");
        await ReadLine(stream); // EHLO
        await Write(stream, "250-injector\r\n250 STARTTLS\r\n");
        await ReadLine(stream); // STARTTLS
        await Write(stream, "220 Ready\r\n250-injected\r\n250 AUTH LOGIN\r\n");
        try
        {
            var ssl = new SslStream(stream);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }).WaitAsync(TimeSpan.FromSeconds(10));
            stream = ssl;
            while (await ReadLine(stream) is { } line)
            {
                if (line.StartsWith("DATA", StringComparison.OrdinalIgnoreCase))
                {
                    await Write(stream, "354 go\r\n");
                    return true;
                }

                await Write(stream, line.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase) ? "250 injector\r\n" : "250 OK\r\n");
            }
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or TimeoutException)
        {
        }

        return false;
    }

    private static Task Write(Stream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    private static async Task<string?> ReadLine(Stream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1)
        {
            line.Append((char)one[0]);
            if (line.Length >= 2 && line[^2] == '\r' && line[^1] == '\n')
            {
                return line.ToString(0, line.Length - 2);
            }
        }

        return null;
    }
}
