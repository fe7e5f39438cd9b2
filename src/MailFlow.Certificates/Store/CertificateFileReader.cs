using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Core.Errors;

namespace MailFlow.Certificates.Store;

/// <summary>A certificate read from an import file: the leaf (with its key when there is one) and the rest of the chain.</summary>
public sealed record ImportedCertificate(X509Certificate2 Leaf, IReadOnlyList<X509Certificate2> Chain);

/// <summary>
/// Reads PKCS#12 (PFX) and PEM files for Import-ExchangeCertificate. Every failure is a
/// <see cref="MailFlowException"/> that names the file and says what is wrong with it.
/// </summary>
public static class CertificateFileReader
{
    /// <summary>
    /// The most key-derivation iterations an encrypted PEM key may ask for: .NET's own limit for one
    /// derivation in a PFX. The count is the file's to choose and decrypting costs time in proportion
    /// (about two seconds a million here), so a key asking for more is refused before any work is done.
    /// </summary>
    public static long MaxKeyDerivationIterations { get; } = Pkcs12LoaderLimits.Defaults.IndividualKdfIterationLimit ?? 300_000;

    private const string Pbes2 = "1.2.840.113549.1.5.13";
    private const string Pbkdf2 = "1.2.840.113549.1.5.12";

    public static ImportedCertificate ReadPkcs12(string file, string? password)
    {
        var bytes = ReadBytes(file, CertificateRole);
        switch (ContentTypeOf(bytes))
        {
            case X509ContentType.Pkcs12:
                break;
            case X509ContentType.Cert:
                throw Invalid(file, $"is a DER certificate, not PKCS#12 (PFX): {ImportPemHint}, after 'openssl x509 -inform DER -in {file} -out {file}.pem'");
            default:
                throw Invalid(file, IsPem(bytes)
                    ? $"is PEM text, not PKCS#12 (PFX): {ImportPemHint}"
                    : "is not a PKCS#12 (PFX) file, nor PEM (no \"-----BEGIN CERTIFICATE-----\" line)");
        }

        X509Certificate2Collection collection;
        try
        {
            collection = X509CertificateLoader.LoadPkcs12Collection(bytes, password, X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException ex)
        {
            throw new MailFlowException($"certificate file '{file}' cannot be opened with the password given (wrong password, or the file is damaged): {ex.Message}", ex, MailFlowErrorKind.InvalidData);
        }

        var withKeys = collection.Where(c => c.HasPrivateKey).ToList();
        if (withKeys.Count == 0)
        {
            throw Invalid(file, "holds no private key; a PFX for SMTP must include the key");
        }

        if (withKeys.Count > 1)
        {
            throw Invalid(file, $"holds {withKeys.Count} certificates with private keys; import them one file at a time");
        }

        var leaf = withKeys[0];
        return new ImportedCertificate(leaf, collection.Where(c => !ReferenceEquals(c, leaf)).ToList());
    }

    /// <summary>
    /// Reads certificates (leaf first or in any order) from <paramref name="certificateFile"/> and the
    /// private key from <paramref name="keyFile"/>, or from the certificate file when the key is in it.
    /// </summary>
    public static ImportedCertificate ReadPem(string certificateFile, string? keyFile, string? keyPassword, bool allowWithoutPrivateKey)
    {
        var certificateText = ReadText(certificateFile, CertificateRole);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(certificateText);
        }
        catch (CryptographicException ex)
        {
            throw Invalid(certificateFile, $"has a CERTIFICATE block that cannot be decoded: {ex.Message}");
        }

        if (certificates.Count == 0)
        {
            throw Invalid(certificateFile, "holds no \"-----BEGIN CERTIFICATE-----\" block");
        }

        var keySource = keyFile ?? certificateFile;
        var keyRole = keyFile is null ? CertificateRole : KeyRole;
        var keyText = keyFile is null ? certificateText : ReadText(keyFile, KeyRole);
        var key = ReadPrivateKey(keySource, keyRole, keyText, keyPassword);
        if (key is null)
        {
            if (!allowWithoutPrivateKey)
            {
                throw Invalid(keySource, keyFile is null
                    ? "holds no private key; pass the key file with --key (or --no-private-key to import the certificate alone)"
                    : "holds no \"PRIVATE KEY\" block", keyRole);
            }

            return new ImportedCertificate(certificates[0], certificates.Skip(1).ToList());
        }

        using (key)
        {
            foreach (var candidate in certificates)
            {
                var withKey = TryAttach(candidate, key);
                if (withKey is not null)
                {
                    // Re-load through PKCS#12 so the key is a persisted, exportable one on every platform.
                    var leaf = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
                    withKey.Dispose();
                    return new ImportedCertificate(leaf, certificates.Where(c => !ReferenceEquals(c, candidate)).ToList());
                }
            }
        }

        throw Invalid(keySource, $"holds a private key that belongs to none of the certificates in '{certificateFile}'", keyRole);
    }

    private static X509ContentType ContentTypeOf(byte[] bytes)
    {
        // GetCertContentType throws ArgumentException, not CryptographicException, on an empty array.
        if (bytes.Length == 0)
        {
            return X509ContentType.Unknown;
        }

        try
        {
            return X509Certificate2.GetCertContentType(bytes);
        }
        catch (CryptographicException)
        {
            return X509ContentType.Unknown;
        }
    }

    /// <summary>Whether the file is PEM text (in any Unicode encoding with a byte-order mark), so the import reads it as PEM rather than PKCS#12.</summary>
    public static bool IsPem(string file) => IsPem(ReadBytes(file, CertificateRole));

    private static bool IsPem(byte[] bytes) => Decode(bytes).Contains("-----BEGIN", StringComparison.Ordinal);

    private static AsymmetricAlgorithm? ReadPrivateKey(string file, string role, string text, string? password)
    {
        var hasEncrypted = text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        var hasPlain = text.Contains("PRIVATE KEY-----", StringComparison.Ordinal) && !hasEncrypted;
        if (!hasEncrypted && !hasPlain)
        {
            return null;
        }

        if (hasEncrypted && string.IsNullOrEmpty(password))
        {
            throw Invalid(file, "holds an encrypted private key; give its password", role);
        }

        if (hasEncrypted && LargestIterationCount(text) is { } iterations && iterations > MaxKeyDerivationIterations)
        {
            throw Invalid(file, $"holds an encrypted private key whose key derivation asks for {iterations} iterations (at most {MaxKeyDerivationIterations} are accepted); export the key again with fewer", role);
        }

        foreach (var create in new Func<AsymmetricAlgorithm>[] { RSA.Create, ECDsa.Create })
        {
            var key = create();
            try
            {
                if (hasEncrypted)
                {
                    key.ImportFromEncryptedPem(text, password);
                }
                else
                {
                    key.ImportFromPem(text);
                }

                return key;
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                key.Dispose();
            }
        }

        throw Invalid(file, hasEncrypted
            ? "holds an encrypted private key that cannot be decrypted with the password given (or is not RSA/ECDSA)"
            : "holds a private key that is damaged or neither RSA nor ECDSA", role);
    }

    /// <summary>The largest iteration count of the ENCRYPTED PRIVATE KEY blocks; a block that cannot be read counts as none (the import reports it).</summary>
    private static long? LargestIterationCount(string text)
    {
        long? largest = null;
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("ENCRYPTED PRIVATE KEY") && IterationCount(Convert.FromBase64String(rest[fields.Base64Data].ToString())) is { } count)
            {
                largest = Math.Max(largest ?? 0, count);
            }

            rest = rest[fields.Location.End..];
        }

        return largest;
    }

    /// <summary>
    /// PKCS#8 EncryptedPrivateKeyInfo (RFC 5958): PBES2 keeps the count in its PBKDF2 parameters,
    /// PBES1 and the PKCS#12 schemes next to the salt. A count too large for a long is "too many".
    /// </summary>
    private static long? IterationCount(byte[] der)
    {
        try
        {
            var algorithm = new AsnReader(der, AsnEncodingRules.BER).ReadSequence().ReadSequence();
            var scheme = algorithm.ReadObjectIdentifier();
            var parameters = algorithm.ReadSequence();
            if (scheme == Pbes2)
            {
                var derivation = parameters.ReadSequence();
                if (derivation.ReadObjectIdentifier() != Pbkdf2)
                {
                    return null;
                }

                parameters = derivation.ReadSequence();
            }

            parameters.ReadEncodedValue(); // the salt
            return parameters.TryReadInt64(out var count) ? count : long.MaxValue;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static X509Certificate2? TryAttach(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        try
        {
            return key switch
            {
                RSA rsa when certificate.GetRSAPublicKey() is { } pub && PublicKeysEqual(pub, rsa) => certificate.CopyWithPrivateKey(rsa),
                ECDsa ecdsa when certificate.GetECDsaPublicKey() is { } pub && PublicKeysEqual(pub, ecdsa) => certificate.CopyWithPrivateKey(ecdsa),
                _ => null,
            };
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static bool PublicKeysEqual(AsymmetricAlgorithm certificateKey, AsymmetricAlgorithm privateKey)
    {
        using (certificateKey)
        {
            return certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(privateKey.ExportSubjectPublicKeyInfo());
        }
    }

    private const string CertificateRole = "certificate file";
    private const string KeyRole = "key file";
    private const string ImportPemHint = "import PEM as 'mailflow cert import CERT.pem --key KEY.pem' (or one PEM file holding both)";

    /// <summary>Reads the whole file; a directory or an empty file is named as such rather than left to .NET's "access denied" or a format error.</summary>
    private static byte[] ReadBytes(string file, string role)
    {
        if (Directory.Exists(file))
        {
            throw new MailFlowException($"{role} '{file}' is a directory, not a file", MailFlowErrorKind.InvalidData);
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MailFlowException($"{role} '{file}' cannot be read: {ex.Message}", ex, MailFlowErrorKind.InvalidData);
        }

        return bytes.Length == 0 ? throw new MailFlowException($"{role} '{file}' is empty", MailFlowErrorKind.InvalidData) : bytes;
    }

    private static string ReadText(string file, string role) => Decode(ReadBytes(file, role));

    /// <summary>UTF-8 unless a byte-order mark says otherwise: Windows tools save PEM as UTF-16 with a BOM.</summary>
    private static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static MailFlowException Invalid(string file, string what, string role = CertificateRole) => new($"{role} '{file}' {what}", MailFlowErrorKind.InvalidData);
}
