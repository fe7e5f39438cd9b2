using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailFlow.Certificates.Issuance;

namespace MailFlow.Cli.Tests;

public sealed class CertificateCliTests : IDisposable
{
    private readonly Cli cli = new();

    [Fact]
    public void New_self_signed_then_list_works()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");
        var created = cli.Run("cert", "new", "--self-signed", "--subject", "CN=mail.contoso.test", "--domain", "mail.contoso.test", "--services", "SMTP", "--key", "EcdsaP256", "--json");
        var listed = cli.Run("cert", "list", "--json");

        Assert.Equal(0, created.ExitCode);
        var thumbprint = JsonDocument.Parse(created.Out).RootElement.GetProperty("Thumbprint").GetString();
        Assert.Equal(0, listed.ExitCode);
        var subjects = JsonDocument.Parse(listed.Out).RootElement.EnumerateArray().Select(e => e.GetProperty("Subject").GetString()).ToList();
        Assert.Contains("CN=mail.contoso.test", subjects);
        Assert.Equal(2, subjects.Count); // plus the default self-signed certificate of the embedded default
        Assert.Contains(thumbprint!, cli.Run("cert", "list").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_reads_like_Format_List()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");
        var thumbprint = JsonDocument.Parse(cli.Run("cert", "list", "--json").Out).RootElement[0].GetProperty("Thumbprint").GetString()!;

        var shown = cli.Run("cert", "show", thumbprint.ToLowerInvariant());

        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("CertificateDomains : {SERVER1, SERVER1.domain.com}", shown.Out, StringComparison.Ordinal);
        Assert.Contains("RootCAType         : Registry", shown.Out, StringComparison.Ordinal);
        Assert.Contains("Services           : IMAP, POP, IIS, SMTP", shown.Out, StringComparison.Ordinal);
        Assert.Contains($"Thumbprint         : {thumbprint}", shown.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_PFX_is_one_line_exit_1_and_changes_nothing()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");
        var pfx = Path.Combine(cli.Root, "corrupt.pfx");
        File.WriteAllBytes(pfx, RandomNumberGenerator.GetBytes(900));
        var before = cli.Snapshot();

        var result = cli.Run("cert", "import", pfx, "--password-file", cli.PasswordFile("x"));

        AssertOneLineFailure(result, 1, $"certificate file '{pfx}' is not a PKCS#12 (PFX) file, nor PEM");
        Assert.Equal(before, cli.Snapshot());
    }

    [Fact]
    public void A_wrong_password_is_one_line_exit_1_and_changes_nothing_and_the_password_is_not_echoed()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");
        var pfx = WritePfx("right-password");
        var passwordFile = Path.Combine(cli.Root, "pw.txt");
        File.WriteAllText(passwordFile, "Wr0ng-Secret\n");
        var before = cli.Snapshot();

        var result = cli.Run("cert", "import", pfx, "--password-file", passwordFile);

        AssertOneLineFailure(result, 1, "cannot be opened with the password given");
        Assert.DoesNotContain("Wr0ng-Secret", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, cli.Snapshot());
    }

    [Fact]
    public void A_PEM_without_key_is_one_line_exit_1_and_changes_nothing()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");
        using var ca = CertificateAuthority.CreateRoot("CN=CLI Test CA");
        using var leaf = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
        var pem = Path.Combine(cli.Root, "hybrid.pem");
        File.WriteAllText(pem, leaf.ExportCertificatePem());
        var before = cli.Snapshot();

        var result = cli.Run("cert", "import", pem);

        AssertOneLineFailure(result, 1, $"certificate file '{pem}' holds no private key");
        Assert.Equal(before, cli.Snapshot());
    }

    [Fact]
    public void Importing_a_PFX_and_enabling_SMTP_is_additive()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");
        var pfx = WritePfx("pw");

        var imported = cli.Run("cert", "import", pfx, "--password-file", cli.PasswordFile("pw"), "--services", "IIS", "--json");
        var thumbprint = JsonDocument.Parse(imported.Out).RootElement.GetProperty("Thumbprint").GetString()!;
        var enabled = cli.Run("cert", "enable", thumbprint, "--services", "SMTP");

        Assert.Equal(0, imported.ExitCode);
        Assert.Equal(0, enabled.ExitCode);
        Assert.Contains("Services: IIS, SMTP", enabled.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");
        Assert.Equal(2, cli.Run("cert", "frobnicate").ExitCode);
        Assert.Equal(2, cli.Run("cert", "new").ExitCode); // without --self-signed
        Assert.Equal(2, cli.Run("cert", "enable", new string('A', 40), "--services", "SMTP,Telepathy").ExitCode);
        var bad = cli.Run("cert", "show", "not-a-thumbprint");
        AssertOneLineFailure(bad, 2, "\"not-a-thumbprint\" is not a certificate thumbprint");
    }

    [Fact]
    public void The_real_executable_reports_exit_codes()
    {
        Assert.Equal(0, cli.RunProcess("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com").ExitCode);
        Assert.Equal(0, cli.RunProcess("cert", "list").ExitCode);
        var missing = cli.RunProcess("cert", "show", new string('B', 40));
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("mailflow: no certificate with thumbprint", missing.Error, StringComparison.Ordinal);
        Assert.Equal(2, cli.RunProcess("no-such-command").ExitCode);
    }

    private string WritePfx(string password)
    {
        using var ca = CertificateAuthority.CreateRoot("CN=CLI Test CA");
        using var leaf = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
        var pfx = Path.Combine(cli.Root, $"{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(pfx, leaf.Export(X509ContentType.Pkcs12, password));
        return pfx;
    }

    internal static void AssertOneLineFailure(CliResult result, int exitCode, string expected)
    {
        Assert.Equal(exitCode, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("mailflow: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => cli.Dispose();
}
