using BenchmarkDotNet.Attributes;
using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Names;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;

namespace MailFlow.Benchmarks;

/// <summary>
/// The certificate core on a busy server's scale: a store of 40 certificates (renewals, wildcards,
/// other hosts), selection for one connector, and the name checks a sender makes per connection.
/// </summary>
[MemoryDiagnoser]
public class CertificateBenchmarks
{
    private readonly List<ExchangeCertificate> store = [];
    private CertificateAuthority ca = null!;
    private InboundSelectionRequest implicitRequest = null!;
    private InboundSelectionRequest explicitRequest = null!;
    private PresentedIdentifiers presented = null!;
    private ReferenceIdentifier reference = null!;
    private string tlsCertificateName = null!;

    [GlobalSetup]
    public void Setup()
    {
        ca = CertificateAuthority.CreateRoot("CN=Bench Root");
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 40; i++)
        {
            var name = (i % 4) switch
            {
                0 => "mail.contoso.test",
                1 => "*.contoso.test",
                2 => $"host{i}.fabrikam.test",
                _ => $"hybrid{i}.contoso.test",
            };
            var leaf = ca.IssueServerCertificate(new ServerCertificateSpec("CN=" + name)
            {
                DnsNames = [name, $"alt{i}.contoso.test", "autodiscover.contoso.test"],
                NotBefore = now.AddDays(-i * 10),
                NotAfter = now.AddDays(400 - (i * 10)),
            });
            store.Add(new ExchangeCertificate(leaf, [], i % 5 == 0 ? ExchangeServices.IIS : ExchangeServices.SMTP, null));
        }

        implicitRequest = new InboundSelectionRequest(@"EX1\Default Frontend EX1", true, null, "mail.contoso.test", "ex1.contoso.test");
        explicitRequest = implicitRequest with { TlsCertificateName = SmtpX509Identifier.For(store[^1].Certificate) };
        presented = PresentedIdentifiers.From(store[3].Certificate);
        reference = ReferenceIdentifier.Parse("hybrid3.contoso.test");
        tlsCertificateName = explicitRequest.TlsCertificateName!.ToString();
        _ = store.Select(c => c.IsSelfSigned).ToList(); // as after the service's first decision
    }

    [Benchmark]
    public CertificateSelectionDecision SelectByFqdn() => InboundCertificateSelector.Select(implicitRequest, store, DateTimeOffset.UtcNow);

    [Benchmark]
    public CertificateSelectionDecision SelectByTlsCertificateName() => InboundCertificateSelector.Select(explicitRequest, store, DateTimeOffset.UtcNow);

    [Benchmark]
    public bool MatchName() => CertificateNameMatcher.Match(reference, presented, NameMatchProfile.Exchange).IsMatch;

    [Benchmark]
    public bool ParseTlsCertificateName() => SmtpX509Identifier.TryParse(tlsCertificateName, out _, out _);

    /// <summary>What a sender does per outbound TLS session: chain to the trust anchors, offline, and the name check.</summary>
    [Benchmark]
    public bool ValidateOutbound() =>
        Certificates.Validation.OutboundCertificateValidator.Validate(store[3].Certificate, [], new Certificates.Validation.OutboundValidationRequest(Certificates.Validation.TlsAuthLevel.DomainValidation, "mail3.contoso.com"),
            Certificates.Trust.TrustAnchors.FromCertificates(ca.Certificate), DateTimeOffset.UtcNow).Passed;

    [GlobalCleanup]
    public void Cleanup() => ca.Dispose();
}
