using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;

namespace MailFlow.Certificates.Tests;

/// <summary>security-and-reliability.md TV-10..TV-12 and the three Exchange validation levels.</summary>
public sealed class OutboundCertificateValidatorTests : IClassFixture<LabCa>
{
    private readonly LabCa ca;
    private readonly TrustAnchors anchors;

    public OutboundCertificateValidatorTests(LabCa ca)
    {
        this.ca = ca;
        anchors = TrustAnchors.FromCertificates(Certs.PublicOnly(ca.Root.Certificate));
    }

    [Fact]
    public void EncryptionOnly_accepts_anything()
    {
        using var selfSigned = SelfSignedCertificateFactory.Create(new SelfSignedCertificateSpec("CN=SERVER1") { Key = KeyAlgorithm.EcdsaP256, NotBefore = DateTimeOffset.UtcNow.AddYears(-9) });

        var outcome = Validate(selfSigned, [], new OutboundValidationRequest(TlsAuthLevel.EncryptionOnly));

        Assert.True(outcome.Passed);
        Assert.Null(outcome.Token);
    }

    [Fact]
    public void CertificateValidation_ignores_the_name_but_not_the_chain()
    {
        using var wrongName = ca.Issue("CN=elsewhere.test", "elsewhere.test");
        using var selfSigned = SelfSignedCertificateFactory.Create(new SelfSignedCertificateSpec("CN=mx.test") { Key = KeyAlgorithm.EcdsaP256 });
        var request = new OutboundValidationRequest(TlsAuthLevel.CertificateValidation);

        Assert.True(Validate(wrongName, [], request).Passed);
        var failed = Validate(selfSigned, [], request);
        Assert.Equal(ExchangeTlsToken.UntrustedRoot, failed.Token);
        Assert.Equal("certificate-not-trusted", failed.TlsRptResult);
    }

    [Fact]
    public void TV10_an_expired_leaf_is_NotTimeValid_and_certificate_expired()
    {
        using var expired = ca.Root.IssueServerCertificate(new ServerCertificateSpec("CN=mx.test")
        {
            DnsNames = ["mx.test"],
            NotBefore = DateTimeOffset.UtcNow.AddDays(-30),
            NotAfter = DateTimeOffset.UtcNow.AddDays(-1),
        });

        var outcome = Validate(expired, [], new OutboundValidationRequest(TlsAuthLevel.DomainValidation, "mx.test"));

        Assert.Equal(ExchangeTlsToken.NotTimeValid, outcome.Token);
        Assert.False(outcome.Token!.IsDocumented);
        Assert.Equal("certificate-expired", outcome.TlsRptResult);
        Assert.True(outcome.Expired);
    }

    [Fact]
    public void A_not_yet_valid_leaf_is_a_plain_validation_failure_for_TLS_RPT()
    {
        using var future = ca.Root.IssueServerCertificate(new ServerCertificateSpec("CN=mx.test")
        {
            DnsNames = ["mx.test"],
            NotBefore = DateTimeOffset.UtcNow.AddDays(2),
            NotAfter = DateTimeOffset.UtcNow.AddDays(30),
        });

        var outcome = Validate(future, [], new OutboundValidationRequest(TlsAuthLevel.CertificateValidation));

        Assert.Equal("validation-failure", outcome.TlsRptResult);
        Assert.False(outcome.Expired);
    }

    [Fact]
    public void TV11_a_leaf_from_an_unknown_CA_is_UntrustedRoot()
    {
        using var stranger = CertificateAuthority.CreateRoot("CN=Stranger Root");
        using var leaf = stranger.IssueServerCertificate(new ServerCertificateSpec("CN=mx.test") { DnsNames = ["mx.test"] });

        var outcome = Validate(leaf, [], new OutboundValidationRequest(TlsAuthLevel.DomainValidation, "mx.test"));

        Assert.Equal(ExchangeTlsToken.UntrustedRoot, outcome.Token);
        Assert.Single(outcome.Failures);
    }

    [Fact]
    public void TV12_a_missing_intermediate_is_UntrustedRoot_because_nothing_is_fetched()
    {
        using var leaf = ca.Intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=mx.test") { DnsNames = ["mx.test"] });
        var request = new OutboundValidationRequest(TlsAuthLevel.DomainValidation, "mx.test");

        var leafOnly = Validate(leaf, [], request);
        var withChain = Validate(leaf, [Certs.PublicOnly(ca.Intermediate.Certificate)], request);

        Assert.Equal(ExchangeTlsToken.UntrustedRoot, leafOnly.Token);
        Assert.True(leafOnly.Chain.IsIncomplete);
        Assert.Contains("incomplete", leafOnly.Failures[0].Detail, StringComparison.Ordinal);
        Assert.True(withChain.Passed);
    }

    [Fact]
    public void Name_failure_is_reported_before_chain_failure_as_in_the_seed_case()
    {
        using var selfSigned = SelfSignedCertificateFactory.Create(new SelfSignedCertificateSpec("CN=SERVER1") { DomainNames = ["SERVER1.domain.com"], Key = KeyAlgorithm.EcdsaP256 });

        var outcome = Validate(selfSigned, [], new OutboundValidationRequest(TlsAuthLevel.DomainValidation, "hybrid.domain.com"));

        Assert.Equal([ExchangeTlsToken.SubjectMismatch, ExchangeTlsToken.UntrustedRoot], outcome.Failures.Select(f => f.Token));
    }

    [Fact]
    public void Without_TlsDomain_DomainValidation_expects_the_recipient_domain()
    {
        using var leaf = ca.Issue("CN=contoso.com", "contoso.com");

        var outcome = Validate(leaf, [], new OutboundValidationRequest(TlsAuthLevel.DomainValidation, TlsDomain: null, RecipientDomain: "contoso.com"));

        Assert.True(outcome.Passed);
        Assert.Equal("contoso.com", outcome.ExpectedName);
    }

    [Fact]
    public void A_wildcard_TlsDomain_accepts_any_subdomain_certificate()
    {
        using var leaf = ca.Issue("CN=mail.eu.contoso.com", "mail.eu.contoso.com");

        Assert.True(Validate(leaf, [], new OutboundValidationRequest(TlsAuthLevel.DomainValidation, "*.contoso.com")).Passed);
    }

    [Fact]
    public void Unknown_tokens_stay_explicit()
    {
        var token = ExchangeTlsToken.FromName("CertificateNotYetPublished");

        Assert.False(token.IsKnown);
        Assert.Equal("CertificateNotYetPublished", token.Name);
        Assert.Same(ExchangeTlsToken.SubjectMismatch, ExchangeTlsToken.FromName("subjectmismatch"));
    }

    private OutboundValidationOutcome Validate(X509Certificate2 leaf, X509Certificate2[] chain, OutboundValidationRequest request) =>
        OutboundCertificateValidator.Validate(Certs.PublicOnly(leaf), chain, request, anchors, DateTimeOffset.UtcNow);
}
