using MailFlow.Certificates.Issuance;

namespace MailFlow.Lab.Scenarios;

/// <summary>
/// TlsCertificateName names a certificate from the company's own CA, which Exchange Online does not
/// trust, while the publicly trusted certificate for the same name sits unused: the connector presents
/// the wrong certificate (RC01), reported as UntrustedRoot.
/// </summary>
public sealed class UntrustedRootScenario : LabScenario
{
    public override string Name => "untrusted-root";

    public override string Title => "the connector names a certificate from an internal CA Exchange Online does not trust (UntrustedRoot)";

    public override string RootCause => "RC01";

    public override IReadOnlyList<string> Break(LabWorld world)
    {
        using var enterprise = CertificateAuthority.CreateRoot("CN=Contoso Enterprise Root CA, DC=domain, DC=com");
        using var internalCertificate = LabWorld.IssueHybrid(enterprise);
        var thumbprint = LabWorld.Install(world.Server1, internalCertificate);
        LabWorld.Name(world.Server1, internalCertificate);
        return
        [
            $"{world.Server1.FrontendIdentity} names {thumbprint}, issued by CN=Contoso Enterprise Root CA (trusted inside the company only)",
            $"the publicly trusted {LabWorld.HybridName} certificate {world.HybridThumbprint} is installed but unused",
        ];
    }

    public override Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([SetTlsCertificateName(world.Server1, world.HybridThumbprint)]);
}
