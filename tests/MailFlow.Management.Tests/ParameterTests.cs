using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;
using MailFlow.Management.Connectors;
using MailFlow.Management.Domains;
using MailFlow.Management.Parameters;

namespace MailFlow.Management.Tests;

public sealed class ParameterTests : IDisposable
{
    private readonly SeedWorld world = new();

    [Theory]
    [InlineData("37748736", 37_748_736)]
    [InlineData("36MB", 37_748_736)]
    [InlineData("36 MB", 37_748_736)]
    [InlineData("36 MB (37,748,736 bytes)", 37_748_736)]
    [InlineData("64KB", 65_536)]
    [InlineData("1.5GB", 1_610_612_736)]
    public void Sizes_are_read_as_the_Exchange_shell_writes_them(string text, long expected) =>
        Assert.Equal(expected, ParameterValue.ParseByteSize("MaxMessageSize", text));

    [Fact]
    public void Sizes_are_shown_as_Exchange_shows_them() =>
        Assert.Equal("36 MB (37,748,736 bytes)", ParameterValue.FormatByteSize(37_748_736));

    [Fact]
    public void Set_ReceiveConnector_parses_each_kind_of_value()
    {
        var commands = new ReceiveConnectorCommands(world.Administration);

        var changed = commands.Set("Default Frontend SERVER1", new Dictionary<string, string?>
        {
            ["MaxMessageSize"] = "50MB",
            ["RequireTLS"] = "$true",
            ["ConnectionTimeout"] = "00:20:00",
            ["AuthMechanism"] = "Tls, BasicAuth, BasicAuthRequireTLS",
            ["RemoteIPRanges"] = "10.0.0.0/8, 192.168.1.1-192.168.1.50",
            ["Banner"] = "220 mail.domain.com ready",
            ["TlsDomainCapabilities"] = "mail.protection.outlook.com:AcceptCloudServicesMail,fabrikam.com:AcceptOorgProtocol,AcceptOorgHeader",
        });

        Assert.Equal(50L * 1024 * 1024, changed.MaxMessageSize);
        Assert.True(changed.RequireTLS);
        Assert.Equal(TimeSpan.FromMinutes(20), changed.ConnectionTimeout);
        Assert.Equal(AuthMechanisms.Tls | AuthMechanisms.BasicAuth | AuthMechanisms.BasicAuthRequireTLS, changed.AuthMechanism);
        Assert.Equal(["10.0.0.0/8", "192.168.1.1-192.168.1.50"], changed.RemoteIPRanges);
        Assert.Equal("220 mail.domain.com ready", commands.Get(@"SERVER1\Default Frontend SERVER1").Banner);
        Assert.Equal(["mail.protection.outlook.com:AcceptCloudServicesMail", "fabrikam.com:AcceptOorgProtocol,AcceptOorgHeader"], changed.TlsDomainCapabilities);
    }

    [Theory]
    [InlineData("MaxMessageSize", "lots", "expected a size")]
    [InlineData("RequireTLS", "maybe", "$true or $false")]
    [InlineData("AuthMechanism", "Kerberos", "one or more of None, Tls")]
    [InlineData("TlsDomainCapabilities", "mail.protection.outlook.com", "-TlsDomainCapabilities \"mail.protection.outlook.com\" is not valid: \"mail.protection.outlook.com\" is not domain:Capability")]
    [InlineData("TlsDomainCapabilities", "contoso.com:AcceptAnything", "\"AcceptAnything\" is not a capability")]
    [InlineData("Colour", "blue", "is not a parameter of Set-ReceiveConnector")]
    [InlineData("TransportRole", "HubTransport", "is not a parameter of Set-ReceiveConnector")]
    [InlineData("Bindings", "$null", null)]
    public void Bad_parameters_are_usage_errors_and_change_nothing(string parameter, string value, string? expected)
    {
        var commands = new ReceiveConnectorCommands(world.Administration);
        var before = File.ReadAllBytes(world.Administration.Configuration.FilePath);

        var error = Assert.Throws<MailFlowException>(() => commands.Set("Default Frontend SERVER1", new Dictionary<string, string?> { [parameter] = value }));

        if (expected is not null)
        {
            Assert.Equal(MailFlowErrorKind.InvalidArgument, error.Kind);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("Bindings: at least one binding", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, File.ReadAllBytes(world.Administration.Configuration.FilePath));
    }

    [Fact]
    public void An_unknown_connector_identity_is_not_found_and_lists_the_known_ones()
    {
        var error = Assert.Throws<MailFlowException>(() => new ReceiveConnectorCommands(world.Administration).Get(@"SERVER1\Nope"));

        Assert.Equal(MailFlowErrorKind.NotFound, error.Kind);
        Assert.Contains(@"SERVER1\Default Frontend SERVER1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Send_connectors_follow_the_cmdlet_rules()
    {
        var commands = new SendConnectorCommands(world.Administration);

        var created = commands.New("To hybrid", new Dictionary<string, string?>
        {
            ["AddressSpaces"] = "domain.net",
            ["DNSRoutingEnabled"] = "$false",
            ["SmartHosts"] = "hybrid.domain.net:2525",
            ["RequireTLS"] = "$true",
            ["TlsAuthLevel"] = "DomainValidation",
            ["TlsDomain"] = "hybrid.domain.net",
        });
        var refused = Assert.Throws<MailFlowException>(() => commands.Set("To hybrid", new Dictionary<string, string?> { ["RequireTLS"] = "$false" }));

        Assert.Equal(MailFlow.Certificates.Validation.TlsAuthLevel.DomainValidation, created.TlsAuthLevel);
        Assert.Contains("TlsAuthLevel can only be set when RequireTLS is $true", refused.Message, StringComparison.Ordinal);
        Assert.True(commands.Get("to HYBRID").RequireTLS);
    }

    [Fact]
    public void Accepted_domains_can_be_added_and_removed()
    {
        var domains = new AcceptedDomainCommands(world.Administration);

        domains.New("contoso.test", makeDefault: true);
        Assert.Throws<MailFlowException>(() => domains.New("CONTOSO.test"));
        domains.Remove("domain.com");

        var only = Assert.Single(domains.Get());
        Assert.Equal("contoso.test", only.DomainName);
        Assert.True(only.Default);
    }

    public void Dispose() => world.Dispose();
}
