using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Store;
using MailFlow.Management.Certificates;

namespace MailFlow.Lab.Scenarios;

/// <summary>RC05: the named certificate expired; the fix imports the renewal (same issuer and subject), which selection prefers by expiry.</summary>
public sealed class ExpiredScenario : LabScenario
{
    public override string Name => "expired";

    public override string Title => "the hybrid.domain.com certificate expired yesterday";

    public override string RootCause => "RC05";

    public override IReadOnlyList<string> Break(LabWorld world)
    {
        var store = world.Server1.Administration.CertificateStore;
        store.Remove(world.HybridThumbprint);
        using var expired = LabWorld.IssueHybrid(world.PublicCa, DateTimeOffset.UtcNow.AddDays(-1));
        var thumbprint = LabWorld.Install(world.Server1, expired);
        LabWorld.Name(world.Server1, expired);
        return [$"{world.Server1.FrontendIdentity} names the {LabWorld.HybridName} certificate {thumbprint}, which expired on {expired.NotAfter.ToUniversalTime():u}"];
    }

    public override Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken)
    {
        using var renewal = LabWorld.IssueHybrid(world.PublicCa);
        var pfx = Path.Combine(world.Directory, "renewed-hybrid.pfx");
        File.WriteAllBytes(pfx, renewal.Export(X509ContentType.Pkcs12, "lab"));
        var commands = new ExchangeCertificateCommands(world.Server1.Administration);
        var imported = commands.Import(new ImportCertificateRequest(pfx) { Password = "lab", Services = ExchangeServices.SMTP });
        return Task.FromResult<IReadOnlyList<string>>(
        [
            $"MAILFLOW_CERT_PASSWORD=lab mailflow cert import {pfx} --services SMTP --data {world.Server1.Root}   # imported {imported.Thumbprint}",
            "# same issuer and subject: TlsCertificateName now matches both, and selection takes the latest expiry",
        ]);
    }
}
