using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;

namespace MailFlow.Certificates.Tests;

/// <summary>
/// OpenSSL (installed by test.sh) reads the store's files as any other MTA on the box would: the
/// certificate and key PEMs are well-formed, belong together, and chain to the CA.
/// </summary>
public sealed class OpenSslInteropTests : IClassFixture<LabCa>, IDisposable
{
    private readonly LabCa ca;
    private readonly string work = Certs.TempDirectory();

    public OpenSslInteropTests(LabCa ca) => this.ca = ca;

    [Fact]
    public void OpenSSL_reads_a_stored_self_signed_certificate_and_its_key()
    {
        var store = new CertificateStore(Path.Combine(work, "certificates"));
        var created = store.NewSelfSigned(new SelfSignedCertificateSpec("CN=SERVER1") { DomainNames = ["SERVER1.domain.com"] }, ExchangeServices.SMTP, null);
        var folder = Path.Combine(store.Directory, created.Thumbprint);

        var text = OpenSsl("x509", "-in", Path.Combine(folder, "certificate.pem"), "-noout", "-subject", "-fingerprint", "-sha1", "-ext", "subjectAltName");
        var keyCheck = OpenSsl("pkey", "-in", Path.Combine(folder, "private-key.pem"), "-noout", "-check");
        var certKey = OpenSsl("x509", "-in", Path.Combine(folder, "certificate.pem"), "-noout", "-pubkey");
        var keyPub = OpenSsl("pkey", "-in", Path.Combine(folder, "private-key.pem"), "-pubout");

        Assert.Contains("subject=CN = SERVER1", text, StringComparison.Ordinal);
        Assert.Contains("DNS:SERVER1, DNS:SERVER1.domain.com", text, StringComparison.Ordinal);
        Assert.Contains(string.Join(':', Enumerable.Range(0, 20).Select(i => created.Thumbprint.Substring(i * 2, 2))), text, StringComparison.Ordinal);
        Assert.Contains("Key is valid", keyCheck, StringComparison.Ordinal);
        Assert.Equal(certKey, keyPub);
    }

    [Fact]
    public void OpenSSL_verifies_a_chain_the_lab_CA_issued()
    {
        using var leaf = ca.Intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
        var root = Write("root.pem", ca.Root.Certificate.ExportCertificatePem());
        var intermediate = Write("intermediate.pem", ca.Intermediate.Certificate.ExportCertificatePem());
        var leafFile = Write("leaf.pem", leaf.ExportCertificatePem());

        var ok = OpenSsl("verify", "-CAfile", root, "-untrusted", intermediate, "-verify_hostname", "hybrid.domain.com", leafFile);
        var (code, output) = Run("openssl", "verify", "-CAfile", root, leafFile);

        Assert.Contains(": OK", ok, StringComparison.Ordinal);
        Assert.NotEqual(0, code); // without the intermediate OpenSSL fails too, as our validator does (TV-12)
        Assert.Contains("unable to get local issuer certificate", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_X509_version_1_certificate_made_by_OpenSSL_is_not_eligible_for_STARTTLS()
    {
        var key = Path.Combine(work, "v1.key");
        var csr = Path.Combine(work, "v1.csr");
        var pem = Path.Combine(work, "v1.pem");
        OpenSsl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/CN=mail.contoso.test", "-out", csr);
        OpenSsl("x509", "-req", "-in", csr, "-signkey", key, "-days", "30", "-out", pem); // no extensions: version 1
        using var v1 = X509Certificate2.CreateFromPemFile(pem, key);

        var decision = InboundCertificateSelector.Select(
            new InboundSelectionRequest(@"EX1\Default Frontend EX1", true, null, "mail.contoso.test", "mail.contoso.test"),
            [Certs.InStore(v1)],
            DateTimeOffset.UtcNow);

        Assert.Equal(1, v1.Version);
        Assert.False(decision.StartTlsAdvertised);
        Assert.Equal(CandidateVerdict.NotVersion3, Assert.Single(decision.Candidates).Verdict);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(work, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static string OpenSsl(params string[] args)
    {
        var (code, output) = Run("openssl", args);
        Assert.True(code == 0, $"openssl {string.Join(' ', args)} failed ({code}): {output}");
        return output;
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    public void Dispose() => Directory.Delete(work, recursive: true);
}
