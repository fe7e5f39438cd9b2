using System.Formats.Asn1;
using System.Text;
using CsCheck;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Store;
using MailFlow.Core.Errors;

namespace MailFlow.Certificates.Tests;

/// <summary>PEM import on hostile files: answered with a MailFlowException naming the file, in bounded time.</summary>
public sealed class CertificateFileReaderTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mailflow-certfile-").FullName;

    /// <summary>
    /// Found reviewing the parser behind the fuzz/ certificate-pem target (AFL's byte mutations cannot
    /// build the DER inside the base64 that reaches it): the iteration count of an encrypted key is the
    /// file's to choose and .NET's PEM import has no limit, so 2^31-1 iterations kept an import busy for
    /// about an hour. The key is built by hand (making a real one would take as long). Before the fix
    /// the import was still deriving the key when the 20-second wait ran out.
    /// </summary>
    [Fact]
    public async Task An_encrypted_key_asking_for_billions_of_iterations_is_refused_at_once()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=mail.contoso.test", ecdsa, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var file = Path.Combine(root, "expensive.pem");
        File.WriteAllText(file, certificate.ExportCertificatePem() + "\n" + PemEncoding.WriteString("ENCRYPTED PRIVATE KEY", EncryptedKeyInfo(int.MaxValue)));

        var import = Task.Run(() => CertificateFileReader.ReadPem(file, keyFile: null, keyPassword: "fuzz", allowWithoutPrivateKey: false));

        Assert.Same(import, await Task.WhenAny(import, Task.Delay(TimeSpan.FromSeconds(20))));
        var error = await Assert.ThrowsAsync<MailFlowException>(() => import);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains($"asks for {int.MaxValue} iterations", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encrypted_key_within_the_limit_still_imports()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=mail.contoso.test", ecdsa, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var file = Path.Combine(root, "ok.pem");
        File.WriteAllText(file, certificate.ExportCertificatePem() + "\n" + ecdsa.ExportEncryptedPkcs8PrivateKeyPem("fuzz", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 2048)));

        var imported = CertificateFileReader.ReadPem(file, keyFile: null, keyPassword: "fuzz", allowWithoutPrivateKey: false);

        Assert.True(imported.Leaf.HasPrivateKey);
        imported.Leaf.Dispose();
    }

    /// <summary>An empty file given as a PFX (CsCheck seed 4iHN11Iqa-h1 found it: .NET's content sniffing throws ArgumentException on no bytes).</summary>
    [Fact]
    public void An_empty_pfx_file_is_refused_naming_the_file()
    {
        var file = Path.Combine(root, "empty.pfx");
        File.WriteAllBytes(file, []);

        var error = Assert.Throws<MailFlowException>(() => CertificateFileReader.ReadPkcs12(file, "x"));

        Assert.Equal($"certificate file '{file}' is empty", error.Message);
    }

    /// <summary>Random bytes, and random text between PEM markers, as a PEM or PFX file: a MailFlowException naming the file, nothing else.</summary>
    [Fact]
    public void Damaged_certificate_files_are_refused_with_a_MailFlowException_naming_the_file()
    {
        var file = Path.Combine(root, "damaged");
        var pem = Gen.Select(Gen.OneOf<string>("CERTIFICATE", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"), Gen.String[Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n"], 0, 300])
            .Select((label, body) => $"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
        Gen.Select(Gen.OneOf(Gen.Byte.Array[0, 400], pem.Select(Encoding.ASCII.GetBytes)), Gen.Bool).Sample((bytes, asPfx) =>
        {
            File.WriteAllBytes(file, bytes);
            var error = Assert.Throws<MailFlowException>(() => asPfx
                ? CertificateFileReader.ReadPkcs12(file, "fuzz")
                : CertificateFileReader.ReadPem(file, keyFile: null, keyPassword: "fuzz", allowWithoutPrivateKey: false));
            Assert.Contains(file, error.Message, StringComparison.Ordinal);
        }, iter: 300, threads: 1);
    }

    /// <summary>A PBES2 / PBKDF2 / AES-128-CBC EncryptedPrivateKeyInfo (RFC 8018) whose ciphertext is noise.</summary>
    private static byte[] EncryptedKeyInfo(long iterations)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.5.13");
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier("1.2.840.113549.1.5.12");
                        using (writer.PushSequence())
                        {
                            writer.WriteOctetString(new byte[16]);
                            writer.WriteInteger(iterations);
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier("1.2.840.113549.2.9"); // hmacWithSHA256
                                writer.WriteNull();
                            }
                        }
                    }

                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier("2.16.840.1.101.3.4.1.2"); // aes128-CBC
                        writer.WriteOctetString(new byte[16]);
                    }
                }
            }

            writer.WriteOctetString(RandomNumberGenerator.GetBytes(48));
        }

        return writer.Encode();
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
