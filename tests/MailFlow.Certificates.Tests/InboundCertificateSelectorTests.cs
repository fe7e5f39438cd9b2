using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;

namespace MailFlow.Certificates.Tests;

public sealed class InboundCertificateSelectorTests : IClassFixture<LabCa>
{
    private const string Fqdn = "mail.contoso.test";
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly LabCa ca;

    public InboundCertificateSelectorTests(LabCa ca) => this.ca = ca;

    [Fact]
    public void AuthMechanism_without_Tls_loads_no_certificate_and_raises_no_event()
    {
        var decision = Select([CaIssued(Fqdn)], tls: false);

        Assert.Equal(SelectionPath.TlsNotEnabled, decision.Path);
        Assert.False(decision.StartTlsAdvertised);
        Assert.Empty(decision.Candidates);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void None_eligible_means_no_STARTTLS_and_event_12014()
    {
        var decision = Select([CaIssued("other.contoso.test")]);

        Assert.False(decision.StartTlsAdvertised);
        var e = Assert.Single(decision.Events);
        Assert.Equal(12014, e.EventId);
        Assert.Contains($"contains the domain name {Fqdn}", e.Message, StringComparison.Ordinal);
        Assert.Equal(CandidateVerdict.NameMismatch, Assert.Single(decision.Candidates).Verdict);
    }

    [Fact]
    public void A_certificate_without_private_key_is_skipped()
    {
        var noKey = Certs.InStore(Certs.PublicOnly(ca.Issue("CN=" + Fqdn, Fqdn)));
        var decision = Select([noKey]);

        Assert.False(decision.StartTlsAdvertised);
        Assert.Equal(CandidateVerdict.NoPrivateKey, decision.Candidates[0].Verdict);
    }

    [Fact]
    public void A_certificate_not_enabled_for_SMTP_is_skipped_by_default_and_chosen_with_a_warning_in_emulation_mode()
    {
        var iisOnly = Certs.InStore(ca.Issue("CN=" + Fqdn, Fqdn), ExchangeServices.IIS);

        var strict = Select([iisOnly]);
        var emulated = Select([iisOnly], policy: new CertificateSelectionPolicy { SmtpServiceRequired = false });

        Assert.Equal(CandidateVerdict.NotSmtpEnabled, strict.Candidates[0].Verdict);
        Assert.False(strict.StartTlsAdvertised);
        Assert.Equal(iisOnly.Thumbprint, emulated.Certificate!.Thumbprint);
        Assert.Contains("not enabled for SMTP", Assert.Single(emulated.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Of_two_certificates_with_the_same_subject_the_newest_NotBefore_wins_by_default_and_latest_expiry_when_configured()
    {
        var older = Certs.InStore(Issue(Fqdn, notBefore: Now.AddDays(-300), notAfter: Now.AddDays(400)));
        var newer = Certs.InStore(Issue(Fqdn, notBefore: Now.AddDays(-10), notAfter: Now.AddDays(200)));

        var byNotBefore = Select([older, newer]);
        var byExpiry = Select([older, newer], policy: new CertificateSelectionPolicy { TieBreak = CertificateTieBreak.LatestNotAfter });

        Assert.Equal(newer.Thumbprint, byNotBefore.Certificate!.Thumbprint);
        Assert.Equal(CandidateVerdict.RankedLower, byNotBefore.Candidates.Single(c => c.Thumbprint == older.Thumbprint).Verdict);
        Assert.Equal(older.Thumbprint, byExpiry.Certificate!.Thumbprint);
    }

    [Fact]
    public void An_expired_CA_certificate_loses_to_a_valid_self_signed_one()
    {
        var expired = Certs.InStore(Issue(Fqdn, notBefore: Now.AddDays(-10), notAfter: Now.AddDays(-1)));
        var selfSigned = Certs.InStore(SelfSignedFor(Fqdn, Now.AddDays(-100)));

        var decision = Select([expired, selfSigned]);

        Assert.Equal(selfSigned.Thumbprint, decision.Certificate!.Thumbprint);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void An_expired_choice_still_offers_STARTTLS_and_raises_event_12016()
    {
        var expired = Certs.InStore(Issue(Fqdn, notBefore: Now.AddDays(-10), notAfter: Now.AddDays(-1)));

        var decision = Select([expired]);

        Assert.True(decision.StartTlsAdvertised);
        Assert.Equal(12016, Assert.Single(decision.Events).EventId);
    }

    [Fact]
    public void A_valid_CA_certificate_beats_a_newer_self_signed_one()
    {
        var caIssued = Certs.InStore(Issue(Fqdn, notBefore: Now.AddDays(-200), notAfter: Now.AddDays(200)));
        var selfSigned = Certs.InStore(SelfSignedFor(Fqdn, Now.AddDays(-1)));

        var decision = Select([selfSigned, caIssued]);

        Assert.Equal(caIssued.Thumbprint, decision.Certificate!.Thumbprint);
        Assert.Equal(1, decision.Candidates.Single(c => c.Thumbprint == selfSigned.Thumbprint).Rank);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void A_wildcard_certificate_satisfies_the_FQDN_search_only_when_the_policy_allows(bool allowWildcard, bool expectedChosen)
    {
        var wildcard = Certs.InStore(ca.Issue("CN=*.contoso.test", "*.contoso.test"));

        var decision = Select([wildcard], policy: new CertificateSelectionPolicy { WildcardMatchesFqdn = allowWildcard });

        Assert.Equal(expectedChosen, decision.StartTlsAdvertised);
    }

    [Fact]
    public void A_wildcard_never_covers_two_labels()
    {
        var wildcard = Certs.InStore(ca.Issue("CN=*.test", "*.test"));

        Assert.False(Select([wildcard]).StartTlsAdvertised);
    }

    [Fact]
    public void The_connector_fqdn_is_searched_before_the_server_fqdn()
    {
        var serverCert = Certs.InStore(ca.Issue("CN=server.contoso.test", "server.contoso.test"));
        var connectorCert = Certs.InStore(ca.Issue("CN=" + Fqdn, Fqdn));

        var withConnectorFqdn = InboundCertificateSelector.Select(new InboundSelectionRequest("S\\C", true, null, Fqdn, "server.contoso.test"), [serverCert, connectorCert], Now);
        var withoutConnectorFqdn = InboundCertificateSelector.Select(new InboundSelectionRequest("S\\C", true, null, null, "server.contoso.test"), [serverCert, connectorCert], Now);

        Assert.Equal(connectorCert.Thumbprint, withConnectorFqdn.Certificate!.Thumbprint);
        Assert.Equal(SelectionPath.ServerFqdn, withoutConnectorFqdn.Path);
        Assert.Equal(serverCert.Thumbprint, withoutConnectorFqdn.Certificate!.Thumbprint);
    }

    [Fact]
    public void A_TlsCertificateName_that_names_a_removed_certificate_does_not_fall_back_to_the_FQDN()
    {
        var present = Certs.InStore(ca.Issue("CN=" + Fqdn, Fqdn));
        var stale = SmtpX509Identifier.Create(present.Issuer, "CN=old.contoso.test");

        var decision = InboundCertificateSelector.Select(new InboundSelectionRequest("S\\C", true, stale, Fqdn, Fqdn), [present], Now);

        Assert.False(decision.StartTlsAdvertised);
        Assert.Equal(12014, decision.Events.Single().EventId);
        Assert.Contains("<I>", decision.Events.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsCertificateName_matching_ignores_case()
    {
        var present = Certs.InStore(ca.Issue("CN=" + Fqdn, Fqdn));
        var shouting = SmtpX509Identifier.Parse($"<i>{present.Issuer.ToUpperInvariant()}<s>{present.Subject.ToUpperInvariant()}");

        var decision = InboundCertificateSelector.Select(new InboundSelectionRequest("S\\C", true, shouting, null, "x.test"), [present], Now);

        Assert.Equal(present.Thumbprint, decision.Certificate!.Thumbprint);
    }

    private CertificateSelectionDecision Select(IReadOnlyList<ExchangeCertificate> certificates, bool tls = true, CertificateSelectionPolicy? policy = null) =>
        InboundCertificateSelector.Select(new InboundSelectionRequest(@"EX1\Default Frontend EX1", tls, null, Fqdn, "ex1.contoso.test"), certificates, Now, policy);

    private ExchangeCertificate CaIssued(string name) => Certs.InStore(ca.Issue("CN=" + name, name));

    private System.Security.Cryptography.X509Certificates.X509Certificate2 Issue(string name, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        ca.Root.IssueServerCertificate(new ServerCertificateSpec("CN=" + name) { DnsNames = [name], NotBefore = notBefore, NotAfter = notAfter });

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 SelfSignedFor(string name, DateTimeOffset notBefore) =>
        SelfSignedCertificateFactory.Create(new SelfSignedCertificateSpec("CN=" + name) { NotBefore = notBefore, Key = KeyAlgorithm.EcdsaP256 });
}
