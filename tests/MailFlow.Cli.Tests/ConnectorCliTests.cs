using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailFlow.Certificates.Issuance;

namespace MailFlow.Cli.Tests;

public sealed class ConnectorCliTests : IDisposable
{
    private const string Frontend = @"SERVER1\Default Frontend SERVER1";
    private readonly Cli cli = new();

    public ConnectorCliTests() => cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");

    [Fact]
    public void The_seed_fix_on_the_command_line()
    {
        using var ca = CertificateAuthority.CreateRoot("CN=Lab Public CA");
        using var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com, O=Domain Inc") { DnsNames = ["hybrid.domain.com"] });
        var pfx = Path.Combine(cli.Root, "hybrid.pfx");
        File.WriteAllBytes(pfx, hybrid.Export(X509ContentType.Pkcs12, "pw"));
        cli.Run("cert", "import", pfx, "--password-file", cli.PasswordFile("pw"), "--services", "SMTP");

        var before = JsonDocument.Parse(cli.Run("cert", "explain-selection", Frontend, "--json").Out).RootElement;
        var set = cli.Run("connector", "receive", "set", Frontend, "--TlsCertificateName", $"<I>{hybrid.Issuer}<S>{hybrid.Subject}");
        var after = JsonDocument.Parse(cli.Run("cert", "explain-selection", Frontend, "--json").Out).RootElement;
        var text = cli.Run("cert", "explain-selection", Frontend).Out;

        Assert.Equal("CN=SERVER1", before.GetProperty("SelectedSubject").GetString());
        Assert.Equal("ConnectorFqdn", before.GetProperty("Path").GetString());
        Assert.Equal(0, set.ExitCode);
        Assert.Equal(hybrid.Thumbprint, after.GetProperty("SelectedThumbprint").GetString());
        Assert.Equal("TlsCertificateName", after.GetProperty("Path").GetString());
        Assert.Contains("STARTTLS is offered", text, StringComparison.Ordinal);
        Assert.Contains("Selected", text, StringComparison.Ordinal);
        Assert.Contains("NameMismatch", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Dropping_BasicAuthRequireTLS_is_allowed_and_warned_about()
    {
        var hub = @"SERVER1\Default SERVER1";
        var quiet = cli.Run("connector", "receive", "set", hub, "--MaxMessageSize", "40MB");
        var loud = cli.Run("connector", "receive", "set", hub, "--AuthMechanism", "Tls, BasicAuth, ExchangeServer");

        Assert.Equal(0, quiet.ExitCode);
        Assert.DoesNotContain("WARNING", quiet.Error, StringComparison.Ordinal);
        Assert.Equal(0, loud.ExitCode);
        Assert.Contains($"WARNING: {hub}: AuthMechanism: BasicAuth without BasicAuthRequireTLS offers AUTH before STARTTLS", loud.Error, StringComparison.Ordinal);
        Assert.Contains("AuthMechanism                 : Tls, BasicAuth, ExchangeServer", cli.Run("connector", "receive", "show", hub).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_reads_like_Format_List_with_Exchange_values()
    {
        var shown = cli.Run("connector", "receive", "show", Frontend);

        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("AuthMechanism                 : Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer", shown.Out, StringComparison.Ordinal);
        Assert.Contains("MaxMessageSize                : 36 MB (37,748,736 bytes)", shown.Out, StringComparison.Ordinal);
        Assert.Contains("Bindings                      : {[::]:25, 0.0.0.0:25}", shown.Out, StringComparison.Ordinal);
        Assert.Contains($"Identity                      : {Frontend}", shown.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_TlsCertificateName_naming_a_missing_certificate_or_one_without_its_key_is_refused_and_changes_nothing()
    {
        using var ca = CertificateAuthority.CreateRoot("CN=Lab Public CA");
        using var issued = ca.IssueServerCertificate(new ServerCertificateSpec("CN=nokey.domain.com") { DnsNames = ["nokey.domain.com"] });
        var pem = Path.Combine(cli.Root, "nokey.pem");
        File.WriteAllText(pem, issued.ExportCertificatePem());
        Assert.Equal(0, cli.Run("cert", "import", pem, "--no-private-key").ExitCode);
        var before = cli.Snapshot();

        var missing = cli.Run("connector", "receive", "set", Frontend, "--TlsCertificateName", "<I>CN=Lab Public CA<S>CN=gone.domain.com");
        var withoutKey = cli.Run("connector", "receive", "set", Frontend, "--TlsCertificateName", $"<I>{issued.Issuer}<S>{issued.Subject}");
        var malformed = cli.Run("connector", "receive", "set", Frontend, "--TlsCertificateName", "CN=hybrid.domain.com");

        CertificateCliTests.AssertOneLineFailure(missing, 1, "no certificate in the store has that issuer and subject");
        CertificateCliTests.AssertOneLineFailure(withoutKey, 2, "has no private key");
        CertificateCliTests.AssertOneLineFailure(malformed, 2, "-TlsCertificateName");
        Assert.Equal(before, cli.Snapshot());
    }

    [Fact]
    public void An_unknown_connector_identity_is_one_line_exit_1_and_changes_nothing()
    {
        var before = cli.Snapshot();

        var result = cli.Run("connector", "receive", "set", @"SERVER1\Default Frontend SERVER9", "--Banner", "220 hi");

        CertificateCliTests.AssertOneLineFailure(result, 1, @"receive connector ""SERVER1\Default Frontend SERVER9"" was not found");
        Assert.Equal(before, cli.Snapshot());
    }

    [Fact]
    public void An_invalid_value_is_exit_2_and_a_rule_violation_exit_1_and_neither_changes_anything()
    {
        var before = cli.Snapshot();

        var badValue = cli.Run("connector", "receive", "set", Frontend, "--MaxMessageSize", "huge");
        var ruleBroken = cli.Run("connector", "receive", "set", Frontend, "--AuthMechanism", "BasicAuth, BasicAuthRequireTLS");

        CertificateCliTests.AssertOneLineFailure(badValue, 2, "-MaxMessageSize \"huge\" is not valid");
        CertificateCliTests.AssertOneLineFailure(ruleBroken, 1, "BasicAuthRequireTLS also requires BasicAuth and Tls");
        Assert.Equal(before, cli.Snapshot());
    }

    [Fact]
    public void A_truncated_configuration_is_one_line_exit_1_and_left_as_it_is()
    {
        var config = Path.Combine(cli.Data, "config.json");
        var text = File.ReadAllText(config);
        File.WriteAllText(config, text[..(text.Length / 2)]);
        var before = cli.Snapshot();

        var result = cli.Run("connector", "receive", "list");

        CertificateCliTests.AssertOneLineFailure(result, 1, $"configuration file '{config}' is invalid at");
        Assert.Equal(before, cli.Snapshot());
    }

    [Fact]
    public void Send_connector_round_trip_with_kebab_case_options()
    {
        var created = cli.Run("connector", "send", "new", "Outbound to hybrid", "--address-spaces", "domain.com", "--dns-routing-enabled", "$false", "--smart-hosts", "hybrid.domain.com", "--require-tls", "$true", "--tls-auth-level", "DomainValidation", "--tls-domain", "hybrid.domain.com");
        var listed = cli.Run("connector", "send", "list", "--json");

        Assert.Equal(0, created.ExitCode);
        var connector = JsonDocument.Parse(listed.Out).RootElement[0];
        Assert.Equal("DomainValidation", connector.GetProperty("TlsAuthLevel").GetString());
        Assert.Equal("{hybrid.domain.com}", connector.GetProperty("SmartHosts").GetString());
        Assert.Equal(0, cli.Run("connector", "send", "remove", "outbound to HYBRID").ExitCode);
    }

    [Fact]
    public void Domains_and_new_receive_connectors()
    {
        Assert.Equal(0, cli.Run("domain", "add", "contoso.test").ExitCode);
        Assert.Equal(1, cli.Run("domain", "add", "contoso.test").ExitCode);
        var created = cli.Run("connector", "receive", "new", "Partner", "--Bindings", "0.0.0.0:25", "--RemoteIPRanges", "192.0.2.0/24", "--PermissionGroups", "Partners");
        var clash = cli.Run("connector", "receive", "new", "Clash", "--Bindings", "0.0.0.0:25", "--RemoteIPRanges", "0.0.0.0-255.255.255.255");

        Assert.Equal(0, created.ExitCode);
        CertificateCliTests.AssertOneLineFailure(clash, 1, "cannot be told apart");
        Assert.Contains("contoso.test", cli.Run("domain", "list").Out, StringComparison.Ordinal);
        Assert.Contains(@"SERVER1\Partner", cli.Run("connector", "receive", "list").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsDomainCapabilities_is_set_shown_listed_and_refused_when_malformed()
    {
        var set = cli.Run("connector", "receive", "set", Frontend, "--TlsDomainCapabilities", "mail.protection.outlook.com:AcceptCloudServicesMail");
        var created = cli.Run("connector", "receive", "new", "Partner", "--Bindings", "0.0.0.0:2526", "--TlsDomainCapabilities", "*.contoso.com:AcceptOorgProtocol,AcceptOorgHeader");
        var before = cli.Snapshot();
        var bad = cli.Run("connector", "receive", "set", Frontend, "--TlsDomainCapabilities", "mail.protection.outlook.com:AcceptCloud");

        Assert.Equal(0, set.ExitCode);
        Assert.Equal(0, created.ExitCode);
        Assert.Contains("TlsDomainCapabilities         : {mail.protection.outlook.com:AcceptCloudServicesMail}", cli.Run("connector", "receive", "show", Frontend).Out, StringComparison.Ordinal);
        Assert.Contains("TlsDomainCapabilities         : {*.contoso.com:AcceptOorgProtocol,AcceptOorgHeader}", cli.Run("connector", "receive", "show", "Partner").Out, StringComparison.Ordinal);
        Assert.Contains("mail.protection.outlook.com:AcceptCloudServicesMail", cli.Run("connector", "receive", "list").Out, StringComparison.Ordinal);
        Assert.Contains("\"mail.protection.outlook.com:AcceptCloudServicesMail\"", File.ReadAllText(Path.Combine(cli.Data, "config.json")), StringComparison.Ordinal);
        CertificateCliTests.AssertOneLineFailure(bad, 2, "-TlsDomainCapabilities \"mail.protection.outlook.com:AcceptCloud\" is not valid: \"mail.protection.outlook.com:AcceptCloud\": \"AcceptCloud\" is not a capability");
        Assert.Equal(before, cli.Snapshot());
    }

    public void Dispose() => cli.Dispose();
}
