using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailFlow.Certificates.Issuance;
using MailFlow.Management;
using MailFlow.Management.Control;
using MailFlow.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailFlow.Service.Tests;

/// <summary>
/// Secrets never written down (docs/decisions/0030): an AUTH password, right and wrong, and a PFX
/// password go through the real CLI and a real serve, and then appear in no file of the data
/// directory (protocol and tracking logs, configuration, store) and in none of the service's output
/// (what the journal would keep) — neither as typed nor as the base64 that AUTH sends.
/// </summary>
public sealed class SecretsTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AUTH_and_PFX_passwords_appear_in_no_log_no_output_and_no_file()
    {
        var (data, port) = ChildServer.Prepare(root);
        var authPassword = $"Auth-{Guid.NewGuid():N}";
        var wrongPassword = $"Wrong-{Guid.NewGuid():N}";
        var pfxPassword = $"Pfx-{Guid.NewGuid():N}";
        var passwordFile = Path.Combine(root, "password.txt");
        File.WriteAllText(passwordFile, authPassword + "\n");
        Assert.Equal(0, CliProcess.Run(["user", "set", "bob", "--password-file", passwordFile, "--data", data.Root]).Code);
        using var ca = CertificateAuthority.CreateRoot("CN=Secrets Test CA");
        using var issued = ca.IssueServerCertificate(new ServerCertificateSpec("CN=SERVER1.domain.com") { DnsNames = ["SERVER1.domain.com"] });
        var pfx = Path.Combine(root, "server.pfx");
        File.WriteAllBytes(pfx, issued.Export(X509ContentType.Pkcs12, pfxPassword));
        var import = CliProcess.Run(["cert", "import", pfx, "--services", "SMTP", "--data", data.Root], [("MAILFLOW_CERT_PASSWORD", pfxPassword)]);
        Assert.True(import.Code == 0, import.Output);

        using var server = await ChildServer.StartAsync(data);
        using (var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await smtp.ConnectAsync("127.0.0.1", port, SecureSocketOptions.StartTls);
            await Assert.ThrowsAsync<AuthenticationException>(() => smtp.AuthenticateAsync("bob", wrongPassword));
            await smtp.AuthenticateAsync("bob", authPassword);
            var message = new MimeMessage { Subject = "secrets" };
            message.From.Add(MailboxAddress.Parse("bob@domain.com"));
            message.To.Add(MailboxAddress.Parse("user@domain.com"));
            message.Body = new TextPart("plain") { Text = "authenticated" };
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(true);
        }

        new ServiceCommands(ServerAdministration.Open(data)).Restart();
        await ChildServer.TerminateAsync(server);

        var forbidden = new[] { authPassword, wrongPassword, pfxPassword }
            .SelectMany(p => new[] { p, Base64(p), Base64($"\0bob\0{p}") })
            .ToList();
        var output = ChildServer.OutputOf(server) + import.Output;
        Assert.All(forbidden, secret => Assert.DoesNotContain(secret, output, StringComparison.Ordinal));
        var files = Directory.EnumerateFiles(data.Root, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".sock", StringComparison.Ordinal)).ToList();
        Assert.Contains(files, f => f.Contains("ProtocolLog", StringComparison.Ordinal) || f.Contains("RECV", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            Assert.All(forbidden, secret => Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{file} holds a secret"));
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
