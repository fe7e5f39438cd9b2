using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Trust;

namespace MailFlow.Certificates.Tests;

/// <summary>Chains are built against the anchors that can issue what was presented, with the same verdicts as against all of them.</summary>
public sealed class TrustAnchorsTests(LabCa ca) : IClassFixture<LabCa>
{
    [Fact]
    public void Only_the_anchor_named_as_issuer_is_a_candidate_among_the_system_roots()
    {
        var root = Certs.PublicOnly(ca.Root.Certificate);
        var anchors = WithSystemRoots(root);
        using var leaf = ca.Issue("CN=mail.contoso.test", "mail.contoso.test");

        var candidates = anchors.IssuersOf([leaf]);

        Assert.True(anchors.Roots.Count > 50, "the system roots are loaded");
        Assert.Equal(root.Thumbprint, Assert.Single(candidates).Thumbprint);
        using var stranger = CertificateAuthority.CreateRoot("CN=Some Other Root");
        using var strangers = stranger.IssueServerCertificate(new ServerCertificateSpec("CN=elsewhere.test") { DnsNames = ["elsewhere.test"] });
        Assert.Empty(anchors.IssuersOf([strangers]));
    }

    [Fact]
    public void An_intermediate_in_an_anchor_file_brings_its_own_issuer()
    {
        var root = Certs.PublicOnly(ca.Root.Certificate);
        var intermediate = Certs.PublicOnly(ca.Intermediate.Certificate);
        var anchors = TrustAnchors.FromCertificates(intermediate, root, Certs.PublicOnly(ca.Issue("CN=unrelated.test", "unrelated.test")));
        using var leaf = ca.Intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.contoso.test") { DnsNames = ["hybrid.contoso.test"] });

        var candidates = anchors.IssuersOf([leaf]).Select(c => c.Thumbprint).ToHashSet();

        Assert.Equal(new HashSet<string> { intermediate.Thumbprint, root.Thumbprint }, candidates);
    }

    [Theory]
    [InlineData(true)] // leaf and intermediate presented: trusted
    [InlineData(false)] // intermediate missing: a partial chain, as before
    public void Verdicts_are_those_of_a_chain_built_against_every_anchor(bool presentIntermediate)
    {
        var root = Certs.PublicOnly(ca.Root.Certificate);
        var anchors = WithSystemRoots(root);
        using var leaf = ca.Intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.contoso.test") { DnsNames = ["hybrid.contoso.test"] });
        X509Certificate2[] presented = presentIntermediate ? [Certs.PublicOnly(ca.Intermediate.Certificate)] : [];

        var report = ChainEvaluator.Evaluate(leaf, presented, anchors, LabCa.Now);

        using var reference = new X509Chain();
        reference.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        reference.ChainPolicy.CustomTrustStore.AddRange(anchors.Roots);
        reference.ChainPolicy.ExtraStore.AddRange(presented);
        reference.ChainPolicy.DisableCertificateDownloads = true;
        reference.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        reference.ChainPolicy.VerificationTime = LabCa.Now.UtcDateTime;
        var trusted = reference.Build(leaf);
        var problems = reference.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);

        Assert.Equal(presentIntermediate, report.IsTrusted);
        Assert.Equal(trusted, report.IsTrusted);
        Assert.Equal(problems, report.Problems);
        Assert.Equal(reference.ChainElements.Select(e => e.Certificate.Thumbprint), report.Elements.Select(e => e.Thumbprint));
    }

    private static TrustAnchors WithSystemRoots(X509Certificate2 root)
    {
        var file = Path.Combine(Certs.TempDirectory(), "root.pem");
        File.WriteAllText(file, root.ExportCertificatePem());
        return TrustAnchors.Load(useSystemRoots: true, [file]);
    }
}
