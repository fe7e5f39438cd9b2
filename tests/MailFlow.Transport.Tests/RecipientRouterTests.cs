using MailFlow.Configuration;
using MailFlow.Configuration.Model;
using MailFlow.Transport.Routing;

namespace MailFlow.Transport.Tests;

public sealed class RecipientRouterTests
{
    private static RecipientRouter Router()
    {
        var configuration = ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");
        configuration.AcceptedDomains.Add(new AcceptedDomain { Name = "sub", DomainName = "*.local.test" });
        configuration.AcceptedDomains.Add(new AcceptedDomain { Name = "relay", DomainName = "partner.test", DomainType = AcceptedDomainType.InternalRelay });
        configuration.SendConnectors.Add(new SendConnector { Name = "Internet", AddressSpaces = ["*"] });
        configuration.SendConnectors.Add(new SendConnector { Name = "Contoso", AddressSpaces = ["*.contoso.com"] });
        configuration.SendConnectors.Add(new SendConnector { Name = "Contoso EU", AddressSpaces = ["*.eu.contoso.com"] });
        configuration.SendConnectors.Add(new SendConnector { Name = "Hybrid", AddressSpaces = ["SMTP:hybrid.domain.net;5"] });
        configuration.SendConnectors.Add(new SendConnector { Name = "Hybrid cheap", AddressSpaces = ["SMTP:hybrid.domain.net;1"] });
        configuration.SendConnectors.Add(new SendConnector { Name = "Partner", AddressSpaces = ["partner.test"] });
        configuration.SendConnectors.Add(new SendConnector { Name = "Off", AddressSpaces = ["off.test"], Enabled = false });
        return new RecipientRouter(configuration);
    }

    [Theory]
    [InlineData("user@domain.com", RouteKind.Local, null)]
    [InlineData("user@DOMAIN.COM.", RouteKind.Local, null)]
    [InlineData("user@a.local.test", RouteKind.Local, null)]
    [InlineData("user@partner.test", RouteKind.SendConnector, "Partner")] // InternalRelay: accepted, but delivered onward
    [InlineData("user@hybrid.domain.net", RouteKind.SendConnector, "Hybrid cheap")] // same specificity: lower cost
    [InlineData("user@mail.eu.contoso.com", RouteKind.SendConnector, "Contoso EU")] // longer parent wins
    [InlineData("user@mail.contoso.com", RouteKind.SendConnector, "Contoso")]
    [InlineData("user@contoso.com", RouteKind.SendConnector, "Internet")] // *.contoso.com does not cover contoso.com
    [InlineData("user@off.test", RouteKind.SendConnector, "Internet")] // disabled connectors do not route
    [InlineData("user@[192.0.2.1]", RouteKind.Unroutable, null)]
    public void Routes_by_accepted_domain_then_most_specific_address_space(string recipient, RouteKind kind, string? connector)
    {
        var route = Router().RouteFor(recipient);

        Assert.Equal(kind, route.Kind);
        Assert.Equal(connector, route.Connector?.Name);
        Assert.False(string.IsNullOrEmpty(route.Reason));
    }

    [Fact]
    public void Without_a_catch_all_an_unknown_domain_is_unroutable_and_says_why()
    {
        var route = new RecipientRouter(ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com")).RouteFor("x@elsewhere.test");

        Assert.Equal(RouteKind.Unroutable, route.Kind);
        Assert.Equal("no send connector's AddressSpaces cover elsewhere.test", route.Reason);
    }
}
