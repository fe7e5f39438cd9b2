using System.Net;
using MailFlow.Certificates.Names;

namespace MailFlow.Certificates.Tests;

/// <summary>RFC 9525 name matching (security-and-reliability.md TV-01..TV-09) and Exchange's TlsDomain patterns.</summary>
public sealed class CertificateNameMatcherTests
{
    [Theory]
    // TV-01/02: the SAN decides, not the CN
    [InlineData("mx.example.test", "mx.example.test", "other", true)]
    [InlineData("mx.example.test", "other.test", "mx.example.test", false)]
    // TV-04: one label only
    [InlineData("mx.example.test", "*.example.test", null, true)]
    [InlineData("a.b.example.test", "*.example.test", null, false)]
    [InlineData("example.test", "*.example.test", null, false)]
    // TV-05: no partial wildcards
    [InlineData("mx.example.test", "m*.example.test", null, false)]
    [InlineData("mx.example.test", "*x.example.test", null, false)]
    [InlineData("mxy.example.test", "x*y.example.test", null, false)]
    // TV-06
    [InlineData("a.b.example.test", "*.*.example.test", null, false)]
    [InlineData("mx.a.example.test", "mx.*.example.test", null, false)]
    [InlineData("example.test", "*.test", null, false)]
    // TV-07: case and trailing dot
    [InlineData("mx.example.test.", "MX.Example.TEST", null, true)]
    [InlineData("MX.EXAMPLE.TEST", "mx.example.test.", null, true)]
    // TV-08: IDN — reference U-label converts; an unconverted U-label in the certificate never matches
    [InlineData("münchen.example", "xn--mnchen-3ya.example", null, true)]
    [InlineData("xn--mnchen-3ya.example", "xn--mnchen-3ya.example", null, true)]
    public void Rfc9525_dns_names(string reference, string sanDnsName, string? commonName, bool expected)
    {
        var presented = new PresentedIdentifiers([sanDnsName], [], commonName is null ? [] : [commonName]);

        var result = CertificateNameMatcher.Match(ReferenceIdentifier.Parse(reference), presented, NameMatchProfile.Rfc9525);

        Assert.Equal(expected, result.IsMatch);
    }

    [Fact]
    public void A_U_label_in_a_certificate_never_matches()
    {
        var presented = new PresentedIdentifiers(["münchen.example"], [], []);

        var result = CertificateNameMatcher.Match(ReferenceIdentifier.Parse("münchen.example"), presented, NameMatchProfile.Exchange);

        Assert.False(result.IsMatch);
        Assert.Contains(result.Notes, n => n.Contains("not an A-label", StringComparison.Ordinal));
    }

    [Fact]
    public void TV03_CN_only_certificate_fails_RFC9525_and_passes_the_Exchange_profile()
    {
        var presented = new PresentedIdentifiers([], [], ["mx.example.test"]);
        var reference = ReferenceIdentifier.Parse("mx.example.test");

        var strict = CertificateNameMatcher.Match(reference, presented, NameMatchProfile.Rfc9525);
        var exchange = CertificateNameMatcher.Match(reference, presented, NameMatchProfile.Exchange);

        Assert.False(strict.IsMatch);
        Assert.Contains(strict.Notes, n => n.Contains("Exchange-profile validation would accept it", StringComparison.Ordinal));
        Assert.True(exchange.IsMatch);
        Assert.Equal("Subject CN", exchange.MatchedIn);
    }

    [Fact]
    public void TV09_an_IP_reference_matches_only_an_iPAddress_SAN()
    {
        var reference = ReferenceIdentifier.Parse("192.0.2.1");

        var dnsOnly = CertificateNameMatcher.Match(reference, new PresentedIdentifiers(["192.0.2.1"], [], ["192.0.2.1"]), NameMatchProfile.Exchange);
        var ipSan = CertificateNameMatcher.Match(reference, new PresentedIdentifiers([], [IPAddress.Parse("192.0.2.1")], []), NameMatchProfile.Exchange);

        Assert.False(dnsOnly.IsMatch);
        Assert.True(ipSan.IsMatch);
    }

    [Theory]
    [InlineData("mail.contoso.com", true)]
    [InlineData("a.b.contoso.com", true)]
    [InlineData("*.contoso.com", true)]
    [InlineData("*.eu.contoso.com", true)]
    [InlineData("contoso.com", false)]
    [InlineData("mail.fabrikam.com", false)]
    [InlineData("notcontoso.com", false)]
    public void TlsDomain_subdomain_pattern_covers_every_name_below_the_domain(string presentedName, bool expected)
    {
        var reference = ReferenceIdentifier.Parse("*.contoso.com", allowSubdomainPattern: true);

        var result = CertificateNameMatcher.Match(reference, new PresentedIdentifiers([presentedName], [], []), NameMatchProfile.Exchange);

        Assert.Equal(expected, result.IsMatch);
    }

    [Theory]
    [InlineData("mail*.contoso.com")]
    [InlineData("a.*.contoso.com")]
    [InlineData("*.com")]
    [InlineData("")]
    [InlineData("bad..name")]
    public void Invalid_reference_patterns_are_refused_with_a_reason(string text)
    {
        Assert.False(ReferenceIdentifier.TryParse(text, allowSubdomainPattern: true, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
