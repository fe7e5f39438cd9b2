using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;

namespace MailFlow.Certificates.Tests;

/// <summary>One lab CA shared by the tests of a class (key generation is the slow part).</summary>
public sealed class LabCa : IDisposable
{
    public LabCa()
    {
        Root = CertificateAuthority.CreateRoot("CN=MailFlow Test Root, O=MailFlow Tests");
        Intermediate = Root.CreateIntermediate("CN=MailFlow Test Issuing CA, O=MailFlow Tests");
    }

    public CertificateAuthority Root { get; }

    public CertificateAuthority Intermediate { get; }

    public static DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public X509Certificate2 Issue(string subject, params string[] dnsNames) =>
        Root.IssueServerCertificate(new ServerCertificateSpec(subject) { DnsNames = dnsNames });

    public void Dispose()
    {
        Intermediate.Dispose();
        Root.Dispose();
    }
}

public static class Certs
{
    public static ExchangeCertificate InStore(X509Certificate2 certificate, ExchangeServices services = ExchangeServices.SMTP, params X509Certificate2[] chain) =>
        new(certificate, chain, services, null);

    /// <summary>The same certificate without its private key.</summary>
    public static X509Certificate2 PublicOnly(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
