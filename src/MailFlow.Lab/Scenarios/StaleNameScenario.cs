using MailFlow.Certificates.Store;

namespace MailFlow.Lab.Scenarios;

/// <summary>RC03: the certificate was renewed from another issuing CA and the old one removed; TlsCertificateName still names the old one.</summary>
public sealed class StaleNameScenario : LabScenario
{
    private string renewed = string.Empty;

    public override string Name => "stale-name";

    public override string Title => "TlsCertificateName names a certificate that was removed at renewal: STARTTLS disappears (451 5.7.3)";

    public override string RootCause => "RC03";

    public override IReadOnlyList<string> Break(LabWorld world)
    {
        var store = world.Server1.Administration.CertificateStore;
        var old = store.Get(world.HybridThumbprint).Certificate;
        LabWorld.Name(world.Server1, old);
        using var issuing = world.PublicCa.CreateIntermediate("CN=Lab Public Issuing CA 2, O=MailFlow Lab");
        using var certificate = LabWorld.IssueHybrid(issuing);
        renewed = LabWorld.Install(world.Server1, certificate, [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(issuing.Certificate.RawData)]);
        store.Remove(world.HybridThumbprint); // behind the connector's back, as an expired certificate is cleaned up
        return
        [
            $"{world.Server1.FrontendIdentity} names <I>{old.Issuer}<S>{old.Subject}, removed from the store",
            $"the renewed certificate {renewed} is issued by CN=Lab Public Issuing CA 2: same subject, another issuer, so the name no longer matches",
        ];
    }

    public override Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([SetTlsCertificateName(world.Server1, renewed)]);
}
