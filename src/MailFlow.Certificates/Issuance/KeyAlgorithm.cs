using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailFlow.Certificates.Issuance;

public enum KeyAlgorithm
{
    /// <summary>RSA 2048, Exchange's default key for certificates it creates.</summary>
    Rsa2048,
    Rsa4096,
    EcdsaP256,
}

/// <summary>Shared building blocks for every certificate MailFlow creates (self-signed, lab CA, tests).</summary>
internal static class CertificateBuilder
{
    public static CertificateRequest NewRequest(X500DistinguishedName subject, KeyAlgorithm algorithm, out AsymmetricAlgorithm key)
    {
        switch (algorithm)
        {
            case KeyAlgorithm.EcdsaP256:
                var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                key = ecdsa;
                return new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256);
            default:
                var rsa = RSA.Create(algorithm == KeyAlgorithm.Rsa4096 ? 4096 : 2048);
                key = rsa;
                return new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
    }

    /// <summary>
    /// Key usage, EKU (server authentication, plus client authentication when the certificate also
    /// signs in as a client — Exchange uses one certificate both ways on hybrid connectors), SKI and SANs.
    /// </summary>
    public static void AddServerExtensions(CertificateRequest request, IEnumerable<string> dnsNames, IEnumerable<System.Net.IPAddress> addresses, KeyAlgorithm algorithm, bool clientAuthentication = false)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var usage = algorithm == KeyAlgorithm.EcdsaP256
            ? X509KeyUsageFlags.DigitalSignature
            : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        var purposes = new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") };
        if (clientAuthentication)
        {
            purposes.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(purposes, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        var san = new SubjectAlternativeNameBuilder();
        var any = false;
        foreach (var name in dnsNames.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            san.AddDnsName(name);
            any = true;
        }

        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
            any = true;
        }

        if (any)
        {
            request.CertificateExtensions.Add(san.Build());
        }
    }

    public static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // keep it positive (DER INTEGER)
        serial[0] |= 0x10; // and without a leading zero byte, so it renders as 32 hex digits like Exchange's
        return serial;
    }

    /// <summary>Returns a certificate that carries <paramref name="key"/> whatever its algorithm.</summary>
    public static X509Certificate2 WithKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => certificate.HasPrivateKey ? certificate : certificate.CopyWithPrivateKey(rsa),
        ECDsa ecdsa => certificate.HasPrivateKey ? certificate : certificate.CopyWithPrivateKey(ecdsa),
        _ => throw new NotSupportedException($"key type {key.GetType().Name}"),
    };

    /// <summary>The private key of a certificate as PKCS#8 PEM, for RSA or ECDSA keys.</summary>
    public static string ExportPrivateKeyPem(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey();
        return key?.ExportPkcs8PrivateKeyPem()
            ?? throw new CryptographicException($"the private key of {certificate.Subject} is neither RSA nor ECDSA");
    }
}
