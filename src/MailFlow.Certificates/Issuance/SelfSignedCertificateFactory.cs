using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailFlow.Certificates.Issuance;

/// <summary>New-ExchangeCertificate for a self-signed certificate.</summary>
public sealed record SelfSignedCertificateSpec(string SubjectName)
{
    /// <summary>SAN dNSName entries. The CN is added automatically, as New-ExchangeCertificate does.</summary>
    public IReadOnlyList<string> DomainNames { get; init; } = [];

    public DateTimeOffset NotBefore { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Exchange's self-signed certificates are valid for five years.</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromDays(5 * 365);

    public KeyAlgorithm Key { get; init; } = KeyAlgorithm.Rsa2048;
}

public static class SelfSignedCertificateFactory
{
    /// <summary>
    /// Creates the certificate Exchange setup creates: <c>CN=&lt;Server&gt;</c>, SANs server name and FQDN,
    /// RSA 2048, five years, Server Authentication EKU, key usage a0. We sign with SHA-256 where
    /// Exchange used sha1RSA, because OpenSSL peers at security level 1+ refuse SHA-1 signatures
    /// (docs/decisions/0003-self-signed-certificate-shape.md).
    /// </summary>
    public static X509Certificate2 Create(SelfSignedCertificateSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var subject = new X500DistinguishedName(spec.SubjectName);
        var names = new List<string>();
        names.AddRange(Names.PresentedIdentifiers.CommonNamesOf(subject).Where(cn => !cn.Contains(' ', StringComparison.Ordinal)));
        names.AddRange(spec.DomainNames);

        var request = CertificateBuilder.NewRequest(subject, spec.Key, out var key);
        using (key)
        {
            CertificateBuilder.AddServerExtensions(request, names, [], spec.Key);
            var notBefore = spec.NotBefore;
            using var created = request.Create(subject, SignatureGeneratorFor(key), notBefore, notBefore + spec.Lifetime, CertificateBuilder.NewSerialNumber());
            using var withKey = CertificateBuilder.WithKey(created, key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
    }

    private static X509SignatureGenerator SignatureGeneratorFor(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
        _ => throw new NotSupportedException(key.GetType().Name),
    };
}
