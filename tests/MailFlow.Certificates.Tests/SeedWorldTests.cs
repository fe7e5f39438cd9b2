using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;

namespace MailFlow.Certificates.Tests;

/// <summary>
/// The article, in the certificate model: SERVER1 holds its self-signed CN=SERVER1 and a CA-issued
/// hybrid.domain.com certificate; the Default Frontend connector has no TlsCertificateName.
/// </summary>
public sealed class SeedWorldTests : IClassFixture<LabCa>, IDisposable
{
    private const string Connector = @"SERVER1\Default Frontend SERVER1";
    private readonly LabCa ca;
    private readonly CertificateStore store;
    private readonly ExchangeCertificate selfSigned;
    private readonly ExchangeCertificate hybrid;

    public SeedWorldTests(LabCa ca)
    {
        this.ca = ca;
        store = new CertificateStore(Certs.TempDirectory());
        selfSigned = store.NewSelfSigned(
            new SelfSignedCertificateSpec("CN=SERVER1") { DomainNames = ["SERVER1", "SERVER1.domain.com"] },
            ExchangeServices.IMAP | ExchangeServices.POP | ExchangeServices.IIS | ExchangeServices.SMTP,
            "Microsoft Exchange");
        using var issued = ca.Root.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com, O=Domain Inc, C=US")
        {
            DnsNames = ["hybrid.domain.com", "autodiscover.domain.com"],
            Key = KeyAlgorithm.Rsa2048,
        });
        hybrid = store.Add(issued, [], ExchangeServices.IIS | ExchangeServices.SMTP, "Hybrid certificate");
    }

    [Fact]
    public void Without_TlsCertificateName_the_connector_fqdn_selects_the_self_signed_certificate_and_says_why()
    {
        var decision = Select(tlsCertificateName: null);

        Assert.Equal(SelectionPath.ConnectorFqdn, decision.Path);
        Assert.Equal("SERVER1.domain.com", decision.SearchedFor);
        Assert.Equal(selfSigned.Thumbprint, decision.Certificate!.Thumbprint);
        Assert.Equal("CN=SERVER1", decision.Certificate.Subject);
        Assert.Contains("first self-signed", decision.Reason, StringComparison.Ordinal);

        var skipped = decision.Candidates.Single(c => c.Thumbprint == hybrid.Thumbprint);
        Assert.Equal(CandidateVerdict.NameMismatch, skipped.Verdict);
        Assert.Contains("SERVER1.domain.com is in neither its Subject nor its SAN", skipped.Reason, StringComparison.Ordinal);
        var taken = decision.Candidates.Single(c => c.Verdict == CandidateVerdict.Selected);
        Assert.Contains("SAN (SERVER1.domain.com)", taken.Reason, StringComparison.Ordinal);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void The_article_fix_selects_the_CA_certificate()
    {
        // $tlscertname = "<I>$($TLScert.Issuer)<S>$($TLSCert.Subject)"
        var name = SmtpX509Identifier.Parse($"<I>{hybrid.Issuer}<S>{hybrid.Subject}");

        var decision = Select(name);

        Assert.Equal(SelectionPath.TlsCertificateName, decision.Path);
        Assert.Equal(hybrid.Thumbprint, decision.Certificate!.Thumbprint);
        Assert.Contains("first valid CA-issued", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(CandidateVerdict.NameMismatch, decision.Candidates.Single(c => c.Thumbprint == selfSigned.Thumbprint).Verdict);
    }

    [Fact]
    public void Exchange_Online_DomainValidation_fails_with_SubjectMismatch_for_the_self_signed_and_passes_for_the_CA_certificate()
    {
        var anchors = TrustAnchors.FromCertificates(ca.Root.Certificate);
        var request = new OutboundValidationRequest(TlsAuthLevel.DomainValidation, TlsDomain: "hybrid.domain.com");
        var now = DateTimeOffset.UtcNow;

        var failed = OutboundCertificateValidator.Validate(Certs.PublicOnly(selfSigned.Certificate), [], request, anchors, now);
        var passed = OutboundCertificateValidator.Validate(Certs.PublicOnly(hybrid.Certificate), [], request, anchors, now);

        Assert.False(failed.Passed);
        Assert.Equal(ExchangeTlsToken.SubjectMismatch, failed.Token);
        Assert.Equal("certificate-host-mismatch", failed.TlsRptResult);
        Assert.Equal("hybrid.domain.com", failed.ExpectedName);
        Assert.Equal(
            "[{LED=450 4.7.320 Certificate validation failed};{MSG=SubjectMismatch};{FQDN=hybrid.domain.com};{IP=127.0.0.1};{LRT=4/14/2017 1:07:17 PM}]",
            failed.FormatBraceReason("hybrid.domain.com", "127.0.0.1", new DateTimeOffset(2017, 4, 14, 13, 7, 17, TimeSpan.Zero)));
        Assert.Equal(
            $"450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch Expected Subject: hybrid.domain.com. Presented Subject: CN=SERVER1. Thumbprint: {selfSigned.Thumbprint}.] [LastAttemptedServerName=hybrid.domain.com] [LastAttemptedIP=127.0.0.1:25]",
            failed.FormatBracketReason("hybrid.domain.com", "127.0.0.1:25"));

        Assert.True(passed.Passed, string.Join("; ", passed.Failures.Select(f => f.Detail)));
        Assert.Equal("SAN dNSName", passed.NameMatch!.MatchedIn);
    }

    private CertificateSelectionDecision Select(SmtpX509Identifier? tlsCertificateName) =>
        InboundCertificateSelector.Select(
            new InboundSelectionRequest(Connector, TlsInAuthMechanism: true, tlsCertificateName, ConnectorFqdn: "SERVER1.domain.com", ServerFqdn: "SERVER1.domain.com"),
            store.List().Certificates,
            DateTimeOffset.UtcNow);

    public void Dispose() => Directory.Delete(store.Directory, recursive: true);
}
