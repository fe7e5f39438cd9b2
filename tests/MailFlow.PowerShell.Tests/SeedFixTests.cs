using System.Security.Cryptography;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;
using MailFlow.Testing;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// The article's three PowerShell lines, verbatim (typographic quotes included; only the thumbprint is
/// the generated certificate's), then Restart-TransportService against a running `mailflow serve`:
/// the connector now presents the CA-issued certificate over a real STARTTLS handshake.
/// </summary>
public sealed class SeedFixTests : IDisposable
{
    /// <summary>The article's lines as published; ArticleThumbprint is replaced by the generated certificate's.</summary>
    private const string ArticleThumbprint = "4C0FA622D0D66E777AA123B1AF123456F001AE23";

    private const string ArticleScript = """
        $tlscert=Get-ExchangeCertificate 4C0FA622D0D66E777AA123B1AF123456F001AE23
        $tlscertname=”<I>$($TLScert.Issuer)<S>$($TLSCert.Subject)”
        Get-ReceiveConnector “SERVER1\Default Frontend SERVER1” | Set-ReceiveConnector -TlsCertificateName $tlscertname
        """;

    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_articles_three_lines_and_a_restart_make_the_connector_present_the_CA_certificate()
    {
        var (data, port) = ChildServer.Prepare(root);
        string thumbprint;
        using (var ca = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab"))
        using (var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"], Key = KeyAlgorithm.Rsa2048 }))
        {
            thumbprint = ServerAdministration.Open(data).CertificateStore.Add(hybrid, [], ExchangeServices.SMTP, "hybrid").Thumbprint;
        }

        using var server = await ChildServer.StartAsync(data);
        using var shell = new ModuleHost(data.Root);
        try
        {
            Assert.Equal("CN=SERVER1", (await StartTlsProbe.PresentedCertificateAsync(port)).Subject);
            var before = shell.Run("Get-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" | fl TlsCertificateName | Out-String");
            Assert.Empty(before.Errors);
            Assert.Matches(@"TlsCertificateName\s*:\s*(\r?\n|$)", before.Text);

            var script = ArticleScript.Replace(ArticleThumbprint, thumbprint, StringComparison.Ordinal);
            Assert.Equal(ArticleScript.Length, script.Length); // only the thumbprint changed
            var fix = shell.Run(script);
            Assert.Empty(fix.Errors);
            var restart = shell.Run("Restart-TransportService");
            Assert.Empty(restart.Errors);

            var after = shell.Run("Get-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" | fl TlsCertificateName | Out-String");
            Assert.Contains("TlsCertificateName : <I>CN=Lab Public CA, O=MailFlow Lab<S>CN=hybrid.domain.com", after.Text, StringComparison.Ordinal);
            var presented = await StartTlsProbe.PresentedCertificateAsync(port);
            Assert.Equal("CN=hybrid.domain.com", presented.Subject);
            Assert.Equal(thumbprint, presented.Thumbprint);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
