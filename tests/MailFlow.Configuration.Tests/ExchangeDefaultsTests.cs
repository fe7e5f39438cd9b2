using MailFlow.Configuration.Model;
using MailFlow.Configuration.Validation;

namespace MailFlow.Configuration.Tests;

public sealed class ExchangeDefaultsTests
{
    [Fact]
    public void A_new_server_gets_the_five_Exchange_2013_receive_connectors()
    {
        var configuration = ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");

        Assert.Equal(
            ["Default Frontend SERVER1", "Client Frontend SERVER1", "Outbound Proxy Frontend SERVER1", "Default SERVER1", "Client Proxy SERVER1"],
            configuration.ReceiveConnectors.Select(c => c.Name));
        Assert.Equal([25, 587, 717, 2525, 465], configuration.ReceiveConnectors.Select(c => int.Parse(c.Bindings[0].Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Empty(ConfigurationValidator.Validate(configuration));
    }

    [Fact]
    public void Default_Frontend_has_the_settings_Exchange_serializes()
    {
        var configuration = ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");
        var frontend = configuration.FindReceiveConnector(@"SERVER1\Default Frontend SERVER1")!;

        Assert.Equal(31, (int)frontend.AuthMechanism);
        Assert.Equal(13, (int)frontend.PermissionGroups);
        Assert.Equal(TransportRole.FrontendTransport, frontend.TransportRole);
        Assert.Equal(37_748_736, frontend.MaxMessageSize);
        Assert.Equal(200, frontend.MaxRecipientsPerMessage);
        Assert.Equal(TimeSpan.FromMinutes(10), frontend.ConnectionTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), frontend.ConnectionInactivityTimeout);
        Assert.Equal(5000, frontend.MaxInboundConnection);
        Assert.Null(frontend.TlsCertificateName);
        Assert.Equal("SERVER1.domain.com", frontend.Fqdn);
        Assert.Equal(ProtocolLoggingLevel.Verbose, frontend.ProtocolLoggingLevel);
        Assert.Equal(["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0-255.255.255.255"], frontend.RemoteIPRanges);
        Assert.Equal("domain.com", Assert.Single(configuration.AcceptedDomains).DomainName);
    }

    [Fact]
    public void Every_default_connector_with_BasicAuth_offers_it_only_after_TLS()
    {
        var configuration = ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");

        Assert.All(configuration.ReceiveConnectors, c => Assert.True(
            !c.AuthMechanism.HasFlag(AuthMechanisms.BasicAuth) || c.AuthMechanism.HasFlag(AuthMechanisms.BasicAuthRequireTLS), c.Name));
    }

    [Fact]
    public void BasicAuth_without_BasicAuthRequireTLS_is_valid_but_warned_about()
    {
        var configuration = ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");
        configuration.ReceiveConnectors[3].AuthMechanism = AuthMechanisms.Tls | AuthMechanisms.BasicAuth;

        var issue = Assert.Single(ConfigurationValidator.Validate(configuration));
        Assert.Equal(IssueSeverity.Warning, issue.Severity);
        Assert.Equal("$.ReceiveConnectors[3].AuthMechanism", issue.Path);
    }

    [Theory]
    [InlineData("SERVER1.domain.com", "domain.com")]
    [InlineData("mail.example", "mail.example")]
    [InlineData("vm", "vm")]
    public void The_default_accepted_domain_is_the_servers_domain_or_its_own_name(string fqdn, string expected) =>
        Assert.Equal(expected, Assert.Single(ExchangeDefaults.Create("S", fqdn).AcceptedDomains).DomainName);

    [Fact]
    public void Connector_identity_lookup_accepts_server_prefix_or_bare_name_in_any_case()
    {
        var configuration = ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");

        Assert.NotNull(configuration.FindReceiveConnector(@"server1\default frontend server1"));
        Assert.NotNull(configuration.FindReceiveConnector("Default Frontend SERVER1"));
        Assert.Null(configuration.FindReceiveConnector(@"SERVER2\Default Frontend SERVER1"));
    }
}
