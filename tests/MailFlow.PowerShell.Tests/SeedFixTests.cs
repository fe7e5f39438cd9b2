using System.Diagnostics;
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
        var (data, port, thumbprint) = PrepareSeed();
        using var server = await ChildServer.StartAsync(data);
        using var shell = new ModuleHost(data.Root);
        try
        {
            Assert.Equal("CN=SERVER1", (await StartTlsProbe.PresentedCertificateAsync(port)).Subject);
            var before = shell.Run("Get-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" | fl TlsCertificateName | Out-String");
            Assert.Empty(before.Errors);
            Assert.Matches(@"TlsCertificateName\s*:\s*(\r?\n|$)", before.Text);

            var fix = shell.Run(ArticleLines(thumbprint));
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

    /// <summary>
    /// The same lines in the pwsh global tool (7.6.9) after Import-Module of the manifest: test.sh installs
    /// the tool under .tools/pwsh and names it in MAILFLOW_PWSH; pwsh on PATH also works.
    /// </summary>
    [Fact]
    public async Task The_same_lines_work_in_the_pwsh_tool_with_Import_Module()
    {
        var pwsh = Pwsh.Find();
        Assert.True(pwsh is not null, "pwsh was not found: ./test.sh installs the PowerShell 7.6.9 tool under .tools/pwsh and sets MAILFLOW_PWSH");
        var (data, port, thumbprint) = PrepareSeed();
        using var server = await ChildServer.StartAsync(data);
        try
        {
            var script = Path.Combine(root, "fix.ps1");
            await File.WriteAllTextAsync(script, $"""
                $ErrorActionPreference = 'Stop'
                Import-Module '{Path.Combine(AppContext.BaseDirectory, "MailFlow.psd1")}' -DisableNameChecking
                $env:MAILFLOW_DATA = '{data.Root}'
                {ArticleLines(thumbprint)}
                Restart-TransportService | Out-Null
                Get-ReceiveConnector "SERVER1\Default Frontend SERVER1" | fl TlsCertificateName
                """);
            var start = new ProcessStartInfo(pwsh!) { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["NO_COLOR"] = "1", ["POWERSHELL_TELEMETRY_OPTOUT"] = "1" } };
            foreach (var arg in new[] { "-NoProfile", "-NonInteractive", "-File", script })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();

            Assert.True(process.ExitCode == 0, errors);
            Assert.Contains("<I>CN=Lab Public CA, O=MailFlow Lab<S>CN=hybrid.domain.com", output, StringComparison.Ordinal);
            Assert.Equal(thumbprint, (await StartTlsProbe.PresentedCertificateAsync(port)).Thumbprint);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    private static string ArticleLines(string thumbprint)
    {
        var script = ArticleScript.Replace(ArticleThumbprint, thumbprint, StringComparison.Ordinal);
        Assert.Equal(ArticleScript.Length, script.Length); // only the thumbprint changed
        return script;
    }

    /// <summary>SERVER1 as in the article: the embedded default (CN=SERVER1) plus a CA-issued hybrid.domain.com certificate enabled for SMTP.</summary>
    private (DataDirectory Data, int Port, string Thumbprint) PrepareSeed()
    {
        var (data, port) = ChildServer.Prepare(root);
        using var ca = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab");
        using var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"], Key = KeyAlgorithm.Rsa2048 });
        return (data, port, ServerAdministration.Open(data).CertificateStore.Add(hybrid, [], ExchangeServices.SMTP, "hybrid").Thumbprint);
    }

    public void Dispose()
    {
        if (Directory.Exists(root)) // a test that stops before preparing a server leaves nothing behind
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
