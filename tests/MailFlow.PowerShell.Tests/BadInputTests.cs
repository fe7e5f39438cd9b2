using System.Management.Automation;
using System.Security.Cryptography;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;

namespace MailFlow.PowerShell.Tests;

/// <summary>Bad input to the cmdlets: a PowerShell error with a category and a clear message, and config.json untouched.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private readonly DataDirectory data;
    private readonly ModuleHost shell;
    private readonly string withoutKeyName;

    public BadInputTests()
    {
        data = new DataDirectory(Path.Combine(root, "data"));
        var administration = ServerAdministration.Open(data, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        using var ca = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab");
        using var issued = ca.IssueServerCertificate(new ServerCertificateSpec("CN=nokey.domain.com") { DnsNames = ["nokey.domain.com"] });
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(issued.RawData);
        administration.CertificateStore.Add(publicOnly, [], ExchangeServices.None, "no key");
        withoutKeyName = $"<I>{publicOnly.Issuer}<S>{publicOnly.Subject}";
        shell = new ModuleHost(data.Root);
    }

    public static TheoryData<string, ErrorCategory, string> Cases => new()
    {
        { "Get-ReceiveConnector \"SERVER1\\No Such Connector\"", ErrorCategory.ObjectNotFound, "was not found" },
        { "Set-ReceiveConnector \"SERVER2\\Default Frontend SERVER1\" -Fqdn x.test", ErrorCategory.ObjectNotFound, "was not found" },
        { "Set-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" -TlsCertificateName 'CN=hybrid.domain.com'", ErrorCategory.InvalidArgument, "-TlsCertificateName" },
        { "Set-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" -TlsCertificateName '<I>CN=Nobody<S>CN=nothing.test'", ErrorCategory.ObjectNotFound, "no certificate in the store" },
        { "Get-ExchangeCertificate 0000000000000000000000000000000000000000", ErrorCategory.ObjectNotFound, "0000000000000000000000000000000000000000" },
        { "Set-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" -MaxMessageSize lots", ErrorCategory.InvalidArgument, "MaxMessageSize" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_bad_input_is_a_categorised_error_and_changes_nothing(string script, ErrorCategory category, string mentions)
    {
        var before = Snapshot();

        var result = shell.Run(script);

        var error = Assert.Single(result.Errors);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Contains(mentions, error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.Exception.Message, StringComparison.Ordinal); // a message, not a stack trace
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void A_certificate_without_its_private_key_cannot_become_the_TlsCertificateName()
    {
        var before = Snapshot();

        var result = shell.Run($"Get-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" | Set-ReceiveConnector -TlsCertificateName '{withoutKeyName}'");

        var error = Assert.Single(result.Errors);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("has no private key", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Get_ReceiveConnector_piped_to_Format_Table_reads_like_Exchange()
    {
        var table = shell.Run("Get-ReceiveConnector | ft | Out-String").Text;

        Assert.Matches(@"Identity\s+Bindings\s+Enabled", table);
        Assert.Contains("SERVER1\\Default Frontend SERVER1", table, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        shell.Dispose();
        Directory.Delete(root, recursive: true);
    }

    private string Snapshot() => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(data.Root, "config.json"))));
}
