using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;
using MailFlow.Management.Certificates;
using MailFlow.Management.Connectors;
using MailFlow.Smtp.Server;
using MailFlow.Smtp.Tests.Harness;
using MailFlow.Testing;

namespace MailFlow.Smtp.Tests;

/// <summary>Real clients over loopback: OpenSSL sees the seed's certificate switch, swaks submits with STARTTLS, AUTH and PIPELINING.</summary>
public sealed class InteropTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private readonly ServerAdministration administration;
    private readonly int frontendPort = Ports.Free();
    private readonly int submissionPort = Ports.Free();

    public InteropTests()
    {
        administration = ServerAdministration.Open(new DataDirectory(Path.Combine(root, "server1")), identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        administration.Configuration.Update(c =>
        {
            c.ReceiveConnectors.RemoveAll(r => r.Name is not ("Default Frontend SERVER1" or "Client Frontend SERVER1"));
            c.ReceiveConnectors[0].Bindings = [$"127.0.0.1:{frontendPort}"];
            c.ReceiveConnectors[1].Bindings = [$"127.0.0.1:{submissionPort}"];
            c.ReceiveConnectors[1].ProtocolLoggingLevel = ProtocolLoggingLevel.Verbose;
        });
    }

    [Fact]
    public async Task OpenSSL_sees_CN_SERVER1_until_TlsCertificateName_is_set_and_the_server_restarted()
    {
        using var ca = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab");
        using var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"], Key = KeyAlgorithm.Rsa2048 });
        administration.CertificateStore.Add(hybrid, [], ExchangeServices.SMTP, "hybrid");
        var caFile = Path.Combine(root, "ca.pem");
        await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem());

        var before = await ProbeAsync(caFile);
        Assert.Contains("subject=CN = SERVER1", before, StringComparison.Ordinal);
        Assert.DoesNotContain("Verify return code: 0 (ok)", before, StringComparison.Ordinal);

        // The article's fix, then "bounce transport": the running service keeps its decision until restarted.
        await using (var running = StartService())
        {
            new ReceiveConnectorCommands(administration).Set(@"SERVER1\Default Frontend SERVER1", new Dictionary<string, string?>
            {
                ["TlsCertificateName"] = SmtpX509Identifier.For(hybrid).ToString(),
            });
            Assert.Contains("subject=CN = SERVER1", await ProbeAsync(caFile, running: true), StringComparison.Ordinal);
        }

        var after = await ProbeAsync(caFile);
        Assert.Contains("subject=CN = hybrid.domain.com", after, StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", after, StringComparison.Ordinal);
        var log = string.Concat(Directory.EnumerateFiles(Path.Combine(administration.Data.Root, "logs", "ProtocolLog", "SmtpReceive")).Order().Select(File.ReadAllText));
        Assert.Contains(",CN=SERVER1,Certificate subject", log, StringComparison.Ordinal);
        Assert.Contains(",CN=hybrid.domain.com,Certificate subject", log, StringComparison.Ordinal);
        Assert.Contains($",{hybrid.Thumbprint},Certificate thumbprint", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swaks_submits_with_STARTTLS_AUTH_and_PIPELINING_and_the_message_is_spooled()
    {
        new Configuration.Users.UserStore(administration.Data).Set("alice", "s3cret-Pass", iterations: 1000);
        await using var running = StartService();

        var (code, output) = await Tools.RunAsync("swaks",
        [
            "--server", $"127.0.0.1:{submissionPort}", "--tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "s3cret-Pass",
            "--pipeline", "--from", "alice@domain.com", "--to", "someone@elsewhere.test", "--header", "Subject: swaks interop", "--ehlo", "client.test",
        ]);

        Assert.True(code == 0, output);
        Assert.Contains("235 2.7.0 Authentication successful", output, StringComparison.Ordinal);
        Assert.Contains("250 2.6.0", output, StringComparison.Ordinal);
        var spooled = Directory.EnumerateFiles(Path.Combine(administration.Data.Queue, "incoming")).Select(Queue.Spool.Read).Single();
        Assert.Equal("alice", spooled.Envelope.AuthenticatedAs);
        Assert.Equal("someone@elsewhere.test", spooled.Envelope.Recipients.Single().Address);
        Assert.StartsWith("Tls1", spooled.Envelope.Tls, StringComparison.Ordinal);
        await running.StopAsync(TimeSpan.FromSeconds(5));
        var log = string.Concat(Directory.EnumerateFiles(Path.Combine(administration.Data.Root, "logs", "ProtocolLog", "SmtpReceive")).Select(File.ReadAllText));
        Assert.Contains("AUTH PLAIN ****", log, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-Pass", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String("\0alice\0s3cret-Pass"u8.ToArray()), log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swaks_anonymous_relay_attempt_is_refused()
    {
        await using var running = StartService();

        var (_, output) = await Tools.RunAsync("swaks", ["--server", $"127.0.0.1:{frontendPort}", "--from", "a@contoso.test", "--to", "victim@elsewhere.test", "--ehlo", "client.test"]);

        Assert.Contains("550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(administration.Data.Queue, "incoming")));
    }

    public enum TlsEnding
    {
        Quit,
        InactivityTimeout,
        ServerStop,
    }

    /// <summary>
    /// An orderly end inside TLS sends close_notify before TCP closes (RFC 8446 §6.1), so OpenSSL does
    /// not report a truncation ("unexpected eof while reading") and STARTTLS testers reach a verdict.
    /// </summary>
    [Theory]
    [InlineData(TlsEnding.Quit)]
    [InlineData(TlsEnding.InactivityTimeout)]
    [InlineData(TlsEnding.ServerStop)]
    public async Task OpenSSL_gets_close_notify_when_the_server_ends_a_TLS_session(TlsEnding ending)
    {
        administration.Configuration.Update(c => c.ReceiveConnectors[0].ConnectionInactivityTimeout = TimeSpan.FromSeconds(2));
        var service = StartService();
        try
        {
            var client = Tools.RunAsync("openssl",
                ["s_client", "-starttls", "smtp", "-connect", $"127.0.0.1:{frontendPort}", "-ign_eof", "-quiet"],
                standardInput: ending == TlsEnding.Quit ? "EHLO c.test\r\nQUIT\r\n" : "EHLO c.test\r\n");
            if (ending == TlsEnding.ServerStop)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                await service.DisposeAsync();
            }

            var (_, output) = await client;

            Assert.Contains(ending switch { TlsEnding.Quit => "221 2.0.0", TlsEnding.InactivityTimeout => "451 4.7.0", _ => "421 4.3.2" }, output, StringComparison.Ordinal);
            Assert.DoesNotContain("unexpected eof", output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    private ReceiveService StartService()
    {
        var configuration = administration.Configuration.Load();
        return ReceiveService.Start(administration.Data, configuration, administration.CertificateStore.List().Certificates, lowestBindablePort: 0);
    }

    private async Task<string> ProbeAsync(string caFile, bool running = false)
    {
        ReceiveService? service = running ? null : StartService();
        try
        {
            var (_, output) = await Tools.RunAsync("openssl",
                ["s_client", "-starttls", "smtp", "-connect", $"127.0.0.1:{frontendPort}", "-servername", "hybrid.domain.com", "-verify_hostname", "hybrid.domain.com", "-CAfile", caFile],
                standardInput: "QUIT\r\n");
            return output;
        }
        finally
        {
            if (service is not null)
            {
                await service.DisposeAsync();
            }
        }
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
