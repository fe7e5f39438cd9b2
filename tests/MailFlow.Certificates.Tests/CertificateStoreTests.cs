using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Core.Errors;

namespace MailFlow.Certificates.Tests;

public sealed class CertificateStoreTests : IClassFixture<LabCa>, IDisposable
{
    private readonly LabCa ca;
    private readonly string work = Certs.TempDirectory();
    private readonly CertificateStore store;

    public CertificateStoreTests(LabCa ca)
    {
        this.ca = ca;
        store = new CertificateStore(Path.Combine(work, "certificates"));
    }

    [Fact]
    public void A_new_self_signed_certificate_has_Exchange_default_shape()
    {
        var created = store.NewSelfSigned(
            new SelfSignedCertificateSpec("CN=SERVER1") { DomainNames = ["SERVER1.domain.com"] },
            ExchangeServices.IMAP | ExchangeServices.POP | ExchangeServices.SMTP,
            "Microsoft Exchange");

        var p = created.Describe(TrustAnchors.Empty, DateTimeOffset.UtcNow);

        Assert.Equal("CN=SERVER1", p.Subject);
        Assert.Equal("CN=SERVER1", p.Issuer);
        Assert.Equal(["SERVER1", "SERVER1.domain.com"], p.CertificateDomains);
        Assert.True(p.IsSelfSigned);
        Assert.True(p.HasPrivateKey);
        Assert.Equal(2048, p.PublicKeySize);
        Assert.Equal(RootCAType.Registry, p.RootCAType);
        Assert.Equal(CertificateStatus.Valid, p.Status);
        Assert.Equal("IMAP, POP, SMTP", p.Services);
        Assert.Equal(3, p.Version);
        Assert.InRange((p.NotAfter - p.NotBefore).TotalDays, 5 * 365 - 1, 5 * 365 + 2);
        Assert.Equal(40, p.Thumbprint.Length);
        Assert.Equal(32, p.SerialNumber.Length);
    }

    [Fact]
    public void Private_keys_are_0600_and_folders_0700()
    {
        var created = store.NewSelfSigned(new SelfSignedCertificateSpec("CN=SERVER1") { Key = KeyAlgorithm.EcdsaP256 }, ExchangeServices.SMTP, null);
        var folder = Path.Combine(store.Directory, created.Thumbprint);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, "private-key.pem")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(store.Directory));
    }

    [Fact]
    public void Imports_a_password_protected_PFX_with_its_chain_and_reads_it_back()
    {
        using var leaf = ca.Intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
        var collection = new X509Certificate2Collection { leaf, Certs.PublicOnly(ca.Intermediate.Certificate) };
        var pfx = Path.Combine(work, "hybrid.pfx");
        File.WriteAllBytes(pfx, collection.Export(X509ContentType.Pkcs12, "s3cret!")!);

        var imported = store.ImportPkcs12(pfx, "s3cret!", ExchangeServices.SMTP, "hybrid");
        var reread = store.Get(imported.Thumbprint.ToLowerInvariant());

        Assert.True(reread.HasPrivateKey);
        Assert.Equal(leaf.Thumbprint, reread.Thumbprint);
        Assert.Equal(ca.Intermediate.Certificate.Thumbprint, Assert.Single(reread.Chain).Thumbprint);
        var p = reread.Describe(TrustAnchors.FromCertificates(Certs.PublicOnly(ca.Root.Certificate)), DateTimeOffset.UtcNow);
        Assert.Equal(CertificateStatus.Valid, p.Status);
        Assert.Equal(RootCAType.Registry, p.RootCAType); // a root added with `mailflow trust add`, as one added to the machine's root store
        Assert.False(p.IsSelfSigned);
    }

    [Fact]
    public void Imports_PEM_certificate_with_separate_key_and_chain_file_order_does_not_matter()
    {
        using var leaf = ca.Intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=mx.domain.com") { DnsNames = ["mx.domain.com"] });
        var certFile = Path.Combine(work, "fullchain.pem");
        File.WriteAllText(certFile, ca.Intermediate.Certificate.ExportCertificatePem() + "\n" + leaf.ExportCertificatePem());
        var keyFile = Path.Combine(work, "key.pem");
        File.WriteAllText(keyFile, CertificateBuilderAccess.KeyPem(leaf));

        var imported = store.ImportPem(certFile, keyFile, null, allowWithoutPrivateKey: false, ExchangeServices.SMTP, null);

        Assert.Equal(leaf.Thumbprint, imported.Thumbprint);
        Assert.True(imported.HasPrivateKey);
        Assert.Single(imported.Chain);
    }

    [Fact]
    public void Enabling_services_is_additive()
    {
        var created = store.NewSelfSigned(new SelfSignedCertificateSpec("CN=S") { Key = KeyAlgorithm.EcdsaP256 }, ExchangeServices.IMAP, null);

        store.EnableServices(created.Thumbprint, ExchangeServices.SMTP);
        var after = store.EnableServices(created.Thumbprint, ExchangeServices.IIS);

        Assert.Equal(ExchangeServices.IMAP | ExchangeServices.SMTP | ExchangeServices.IIS, after.Services);
        Assert.Equal(after.Services, store.Get(created.Thumbprint).Services);
    }

    [Fact]
    public void Removing_deletes_the_certificate_and_importing_twice_is_refused()
    {
        using var leaf = ca.Issue("CN=dup.test", "dup.test");
        store.Add(leaf, [], ExchangeServices.SMTP, null);

        var again = Assert.Throws<MailFlowException>(() => store.Add(leaf, [], ExchangeServices.SMTP, null));
        store.Remove(leaf.Thumbprint);

        Assert.Equal(MailFlowErrorKind.AlreadyExists, again.Kind);
        Assert.Null(store.Find(leaf.Thumbprint));
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.Directory));
    }

    [Fact]
    public void Importing_again_completes_a_missing_key_or_chain_and_nothing_else()
    {
        using var leaf = ca.Intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=complete.test") { DnsNames = ["complete.test"] });
        using var withoutKey = X509CertificateLoader.LoadCertificate(leaf.RawData);
        var intermediate = X509CertificateLoader.LoadCertificate(ca.Intermediate.Certificate.RawData);
        store.Add(withoutKey, [], ExchangeServices.SMTP, null);

        var keyed = store.Add(leaf, [], ExchangeServices.SMTP, null);
        var chained = store.Add(leaf, [intermediate], ExchangeServices.SMTP, null);
        var nothingNew = Assert.Throws<MailFlowException>(() => store.Add(leaf, [intermediate], ExchangeServices.SMTP, null));

        Assert.True(keyed.Certificate.HasPrivateKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(store.Directory, leaf.Thumbprint, "private-key.pem")));
        Assert.Equal(intermediate.Thumbprint, Assert.Single(chained.Chain).Thumbprint);
        Assert.Equal(MailFlowErrorKind.AlreadyExists, nothingNew.Kind);
        Assert.Equal(["certificate.pem", "chain.pem", "private-key.pem", "properties.json"], Directory.EnumerateFiles(Path.Combine(store.Directory, leaf.Thumbprint)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_corrupt_PFX_is_refused_with_a_message_naming_the_file_and_nothing_changes()
    {
        var pfx = Path.Combine(work, "corrupt.pfx");
        File.WriteAllBytes(pfx, RandomNumberGenerator.GetBytes(700));

        var error = Assert.Throws<MailFlowException>(() => store.ImportPkcs12(pfx, "x", ExchangeServices.SMTP, null));

        Assert.Equal($"certificate file '{pfx}' is not a PKCS#12 (PFX) file, nor PEM (no \"-----BEGIN CERTIFICATE-----\" line)", error.Message);
        AssertStoreEmpty();
    }

    [Fact]
    public void A_wrong_PFX_password_is_refused_and_nothing_changes()
    {
        using var leaf = ca.Issue("CN=pw.test", "pw.test");
        var pfx = Path.Combine(work, "pw.pfx");
        File.WriteAllBytes(pfx, leaf.Export(X509ContentType.Pkcs12, "right"));

        var error = Assert.Throws<MailFlowException>(() => store.ImportPkcs12(pfx, "wrong", ExchangeServices.SMTP, null));

        Assert.StartsWith($"certificate file '{pfx}' cannot be opened with the password given", error.Message, StringComparison.Ordinal);
        AssertStoreEmpty();
    }

    [Fact]
    public void A_PEM_without_key_is_refused_unless_asked_for_and_nothing_changes()
    {
        using var leaf = ca.Issue("CN=nokey.test", "nokey.test");
        var pem = Path.Combine(work, "nokey.pem");
        File.WriteAllText(pem, leaf.ExportCertificatePem());

        var error = Assert.Throws<MailFlowException>(() => store.ImportPem(pem, null, null, false, ExchangeServices.SMTP, null));
        AssertStoreEmpty();
        var withoutKey = store.ImportPem(pem, null, null, allowWithoutPrivateKey: true, ExchangeServices.SMTP, null);

        Assert.Contains("holds no private key", error.Message, StringComparison.Ordinal);
        Assert.Contains(pem, error.Message, StringComparison.Ordinal);
        Assert.False(withoutKey.HasPrivateKey);
    }

    [Fact]
    public void A_key_that_belongs_to_another_certificate_is_refused()
    {
        using var leaf = ca.Issue("CN=a.test", "a.test");
        using var other = ca.Issue("CN=b.test", "b.test");
        var pem = Path.Combine(work, "a.pem");
        var key = Path.Combine(work, "b.key");
        File.WriteAllText(pem, leaf.ExportCertificatePem());
        File.WriteAllText(key, CertificateBuilderAccess.KeyPem(other));

        var error = Assert.Throws<MailFlowException>(() => store.ImportPem(pem, key, null, false, ExchangeServices.SMTP, null));

        Assert.Contains("belongs to none of the certificates", error.Message, StringComparison.Ordinal);
        AssertStoreEmpty();
    }

    [Fact]
    public void A_damaged_store_entry_is_reported_and_skipped_not_fatal()
    {
        var good = store.NewSelfSigned(new SelfSignedCertificateSpec("CN=good") { Key = KeyAlgorithm.EcdsaP256 }, ExchangeServices.SMTP, null);
        var bad = Path.Combine(store.Directory, new string('A', 40));
        Directory.CreateDirectory(bad);
        File.WriteAllText(Path.Combine(bad, "certificate.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");

        var inventory = store.List();

        Assert.Equal(good.Thumbprint, Assert.Single(inventory.Certificates).Thumbprint);
        Assert.Contains(new string('A', 40), Assert.Single(inventory.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xyz")]
    [InlineData("4C0FA622D0D66E777AA123B1AF123456F001AE2")]
    public void Malformed_thumbprints_are_refused(string thumbprint)
    {
        var error = Assert.Throws<MailFlowException>(() => store.Get(thumbprint));
        Assert.Contains("is not a certificate thumbprint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Thumbprints_may_be_written_with_spaces_colons_and_lower_case()
    {
        Assert.Equal("4C0FA622D0D66E777AA123B1AF123456F001AE23", CertificateStore.NormalizeThumbprint("4c:0f:a6:22:d0:d6:6e:77:7a:a1:23:b1:af:12:34:56:f0:01:ae:23"));
        Assert.Equal("4C0FA622D0D66E777AA123B1AF123456F001AE23", CertificateStore.NormalizeThumbprint(" 4c0fa622 d0d66e77 7aa123b1 af123456 f001ae23 "));
    }

    private void AssertStoreEmpty() =>
        Assert.True(!Directory.Exists(store.Directory) || !Directory.EnumerateFileSystemEntries(store.Directory).Any());

    [Fact]
    public void Properties_written_before_source_generated_JSON_read_and_are_written_in_the_same_form()
    {
        var created = store.NewSelfSigned(new SelfSignedCertificateSpec("CN=S") { Key = KeyAlgorithm.EcdsaP256 }, ExchangeServices.IMAP | ExchangeServices.POP | ExchangeServices.IIS | ExchangeServices.SMTP, "Microsoft Exchange");
        var properties = Path.Combine(store.Directory, created.Thumbprint, "properties.json");
        const string written = """
            {
              "Services": "IMAP, POP, IIS, SMTP",
              "FriendlyName": "Microsoft Exchange"
            }
            """;
        Assert.Equal(written, File.ReadAllText(properties));

        File.WriteAllText(properties, """
            {
              "Services": "SMTP, Federation",
              "FriendlyName": null
            }
            """);
        var read = store.Get(created.Thumbprint);

        Assert.Equal(ExchangeServices.SMTP | ExchangeServices.Federation, read.Services);
        Assert.Null(read.FriendlyName);
    }

    public void Dispose() => Directory.Delete(work, recursive: true);
}

internal static class CertificateBuilderAccess
{
    public static string KeyPem(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()!;
        return key.ExportPkcs8PrivateKeyPem();
    }
}
