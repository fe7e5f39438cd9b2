using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Management.Certificates;

namespace MailFlow.Lab.Scenarios;

/// <summary>RC04, on-premises to the cloud: the send connector's TlsCertificateName names a certificate imported without its private key.</summary>
public sealed class SendConnectorNoKeyScenario : LabScenario
{
    private string pfx = string.Empty;

    public override string Name => "send-connector-nokey";

    public override string Title => "on-premises to the cloud: the send connector's certificate has no private key (454 4.7.5)";

    public override string RootCause => "RC04";

    public override bool CloudBound => true;

    public override IReadOnlyList<string> Break(LabWorld world)
    {
        var store = world.Server1.Administration.CertificateStore;
        var hybrid = store.Get(world.HybridThumbprint).Certificate;
        pfx = Path.Combine(world.Directory, "hybrid-with-key.pfx");
        File.WriteAllBytes(pfx, hybrid.Export(X509ContentType.Pkcs12, "lab"));
        store.Remove(world.HybridThumbprint);
        var pem = Path.Combine(world.Directory, "hybrid-certificate-only.pem");
        File.WriteAllText(pem, hybrid.ExportCertificatePem() + "\n");
        new ExchangeCertificateCommands(world.Server1.Administration).Import(new ImportCertificateRequest(pem) { AllowWithoutPrivateKey = true, Services = ExchangeServices.SMTP });
        LabWorld.Accept(world.Server1, LabWorld.CloudRoutingDomain, AcceptedDomainType.InternalRelay);
        LabWorld.Configure(world.Server1, c =>
        {
            c.HostsOverride[LabWorld.CloudName] = world.Tenant.Address;
            c.SendConnectors.Add(new SendConnector
            {
                Name = "Outbound to Office 365",
                AddressSpaces = [LabWorld.CloudRoutingDomain],
                DNSRoutingEnabled = false,
                SmartHosts = [$"{LabWorld.CloudName}:{world.Tenant.Port}"],
                RequireTLS = true,
                TlsAuthLevel = TlsAuthLevel.DomainValidation,
                TlsDomain = LabWorld.CloudName,
                TlsCertificateName = $"<I>{hybrid.Issuer}<S>{hybrid.Subject}",
                ProtocolLoggingLevel = ProtocolLoggingLevel.Verbose,
            });
        });
        return [$"SERVER1's send connector \"Outbound to Office 365\" names {world.HybridThumbprint}, imported from a PEM without its private key (HasPrivateKey False)"];
    }

    public override Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken)
    {
        new ExchangeCertificateCommands(world.Server1.Administration).Import(new ImportCertificateRequest(pfx) { Password = "lab", Services = ExchangeServices.SMTP });
        return Task.FromResult<IReadOnlyList<string>>([$"MAILFLOW_CERT_PASSWORD=lab mailflow cert import {pfx} --services SMTP --data {world.Server1.Root}   # the same certificate with its private key: the key is added"]);
    }
}
