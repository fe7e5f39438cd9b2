using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Store;
using MailFlow.Management.Certificates;

namespace MailFlow.Lab.Scenarios;

/// <summary>RC06: the certificate was imported without its intermediate, and Exchange Online does not fetch intermediates.</summary>
public sealed class MissingIntermediateScenario : LabScenario
{
    private X509Certificate2? leaf;
    private X509Certificate2? intermediate;

    public override string Name => "missing-intermediate";

    public override string Title => "the leaf is sent without its intermediate CA (450 4.4.317 … UntrustedRoot)";

    public override string RootCause => "RC06";

    public override IReadOnlyList<string> Break(LabWorld world)
    {
        world.Server1.Administration.CertificateStore.Remove(world.HybridThumbprint); // replaced by the certificate below
        using var issuing = world.PublicCa.CreateIntermediate("CN=Lab Public Issuing CA 1, O=MailFlow Lab");
        intermediate = X509CertificateLoader.LoadCertificate(issuing.Certificate.RawData);
        leaf = LabWorld.IssueHybrid(issuing);
        var thumbprint = LabWorld.Install(world.Server1, leaf); // no chain
        LabWorld.Name(world.Server1, leaf);
        return [$"{world.Server1.FrontendIdentity} names {thumbprint}, issued by CN=Lab Public Issuing CA 1 and imported without that intermediate"];
    }

    public override Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken)
    {
        var pfx = Path.Combine(world.Directory, "hybrid-with-chain.pfx");
        File.WriteAllBytes(pfx, new X509Certificate2Collection { leaf!, intermediate! }.Export(X509ContentType.Pkcs12, "lab")!);
        new ExchangeCertificateCommands(world.Server1.Administration).Import(new ImportCertificateRequest(pfx) { Password = "lab", Services = ExchangeServices.SMTP });
        return Task.FromResult<IReadOnlyList<string>>(
        [
            $"MAILFLOW_CERT_PASSWORD=lab mailflow cert import {pfx} --services SMTP --data {world.Server1.Root}   # the same certificate again, now with its intermediate: the chain is added",
        ]);
    }
}
