using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Issuance;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;

namespace MailFlow.Management.Tests;

/// <summary>
/// The article's on-premises server as a MailFlow data directory: SERVER1 (SERVER1.domain.com) with the
/// embedded default (five connectors, the self-signed CN=SERVER1 certificate) plus a CA-issued
/// hybrid.domain.com certificate imported as PFX and enabled for SMTP.
/// </summary>
public sealed class SeedWorld : IDisposable
{
    public SeedWorld()
    {
        Root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
        Data = new DataDirectory(Path.Combine(Root, "server1"));
        Administration = ServerAdministration.Open(Data, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        Ca = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab");
        using var hybrid = Ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"], Key = KeyAlgorithm.Rsa2048 });
        PfxFile = Path.Combine(Root, "hybrid.pfx");
        File.WriteAllBytes(PfxFile, hybrid.Export(X509ContentType.Pkcs12, "pfx-password"));
        HybridThumbprint = hybrid.Thumbprint;
    }

    public string Root { get; }

    public DataDirectory Data { get; }

    public ServerAdministration Administration { get; }

    public CertificateAuthority Ca { get; }

    public string PfxFile { get; }

    public string HybridThumbprint { get; }

    public string SelfSignedThumbprint => Administration.Initialized!.SelfSignedCertificate!.Thumbprint;

    public void Dispose()
    {
        Ca.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
