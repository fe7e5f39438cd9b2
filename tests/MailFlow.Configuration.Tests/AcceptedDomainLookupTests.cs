using MailFlow.Configuration.Model;
using MailFlow.Configuration.Recipients;

namespace MailFlow.Configuration.Tests;

/// <summary>The one accepted-domain lookup RCPT and local delivery share (RecipientResolver.AcceptedDomainOf).</summary>
public sealed class AcceptedDomainLookupTests
{
    private static readonly RecipientResolver Resolver = new(new MailFlowConfiguration
    {
        Server = new ServerIdentity { Name = "S", Fqdn = "s.domain.com" },
        AcceptedDomains =
        [
            new AcceptedDomain { Name = "exact", DomainName = "domain.com", DomainType = AcceptedDomainType.Authoritative },
            new AcceptedDomain { Name = "wide", DomainName = "*.domain.com", DomainType = AcceptedDomainType.InternalRelay },
            new AcceptedDomain { Name = "narrow", DomainName = "*.eu.domain.com", DomainType = AcceptedDomainType.ExternalRelay },
        ],
    });

    [Theory]
    [InlineData("domain.com", "exact")]
    [InlineData("DOMAIN.COM.", "exact")]
    [InlineData("mail.domain.com", "wide")]
    [InlineData("a.eu.domain.com", "narrow")]
    [InlineData("eu.domain.com", "wide")]
    [InlineData("evildomain.com", null)]
    [InlineData("domain.com.evil.test", null)]
    [InlineData("[192.0.2.1]", null)]
    [InlineData("", null)]
    public void An_exact_name_wins_then_the_longest_wildcard_parent(string domain, string? expected) =>
        Assert.Equal(expected, Resolver.AcceptedDomainOf(domain)?.Name);
}
