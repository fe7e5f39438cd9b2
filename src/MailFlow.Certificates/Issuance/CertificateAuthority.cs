using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailFlow.Certificates.Issuance;

/// <summary>What a server certificate should look like.</summary>
public sealed record ServerCertificateSpec(string Subject)
{
    public IReadOnlyList<string> DnsNames { get; init; } = [];

    public IReadOnlyList<IPAddress> IpAddresses { get; init; } = [];

    public DateTimeOffset NotBefore { get; init; } = DateTimeOffset.UtcNow.AddMinutes(-5);

    public DateTimeOffset NotAfter { get; init; } = DateTimeOffset.UtcNow.AddYears(1);

    public KeyAlgorithm Key { get; init; } = KeyAlgorithm.EcdsaP256;

    /// <summary>Also valid as a TLS client certificate (send connectors, mutual TLS), as public CAs issue them.</summary>
    public bool ClientAuthentication { get; init; } = true;
}

/// <summary>
/// A private certificate authority: the lab's stand-in for a public CA, and the way tests make
/// certificates with exactly the defect they need (expired, wrong name, missing intermediate).
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private CertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static CertificateAuthority CreateRoot(string subject, KeyAlgorithm key = KeyAlgorithm.EcdsaP256, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var request = CertificateBuilder.NewRequest(new X500DistinguishedName(subject), key, out var privateKey);
        using (privateKey)
        {
            AddAuthorityExtensions(request);
            var from = notBefore ?? DateTimeOffset.UtcNow.AddDays(-1);
            using var self = request.CreateSelfSigned(from, notAfter ?? from.AddYears(10));
            return new CertificateAuthority(X509CertificateLoader.LoadPkcs12(self.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable));
        }
    }

    public CertificateAuthority CreateIntermediate(string subject, KeyAlgorithm key = KeyAlgorithm.EcdsaP256)
    {
        var request = CertificateBuilder.NewRequest(new X500DistinguishedName(subject), key, out var privateKey);
        using (privateKey)
        {
            AddAuthorityExtensions(request);
            var notBefore = Certificate.NotBefore.ToUniversalTime().AddMinutes(1);
            using var issued = IssueFrom(request, notBefore, Certificate.NotAfter.ToUniversalTime().AddDays(-1));
            using var withKey = CertificateBuilder.WithKey(issued, privateKey);
            return new CertificateAuthority(X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable));
        }
    }

    /// <summary>Issues a TLS server certificate (with its private key) signed by this authority.</summary>
    public X509Certificate2 IssueServerCertificate(ServerCertificateSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var request = CertificateBuilder.NewRequest(new X500DistinguishedName(spec.Subject), spec.Key, out var privateKey);
        using (privateKey)
        {
            CertificateBuilder.AddServerExtensions(request, spec.DnsNames, spec.IpAddresses, spec.Key, spec.ClientAuthentication);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
            using var issued = IssueFrom(request, spec.NotBefore, spec.NotAfter);
            using var withKey = CertificateBuilder.WithKey(issued, privateKey);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
    }

    /// <summary>The CA certificate alone, as PEM (what a trust store needs).</summary>
    public string ExportCertificatePem() => Certificate.ExportCertificatePem();

    public void Dispose() => Certificate.Dispose();

    /// <summary>Signs with this CA's key whatever the subject's key algorithm (an ECDSA CA may sign an RSA leaf).</summary>
    private X509Certificate2 IssueFrom(CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)Certificate.GetECDsaPrivateKey() ?? Certificate.GetRSAPrivateKey()
            ?? throw new CryptographicException("the CA certificate has no usable private key");
        var generator = key switch
        {
            ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            _ => throw new CryptographicException("unsupported CA key"),
        };
        return request.Create(Certificate.SubjectName, generator, notBefore, notAfter, CertificateBuilder.NewSerialNumber());
    }

    private static void AddAuthorityExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }
}
