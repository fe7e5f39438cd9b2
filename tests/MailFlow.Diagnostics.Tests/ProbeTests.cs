using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Diagnostics.Probe;
using MailFlow.Management;
using MailFlow.Smtp.Server;
using MailFlow.Testing;

namespace MailFlow.Diagnostics.Tests;

/// <summary>
/// <c>mailflow probe</c> against MailFlow's own receive connector on loopback in several configurations,
/// and against Postfix's smtpd; each verdict compared with OpenSSL's <c>s_client -verify_hostname</c> and
/// Postfix's posttls-finger on the same target.
/// </summary>
public sealed class ProbeTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private readonly CertificateAuthority ca = CertificateAuthority.CreateRoot("CN=Probe Root CA, O=MailFlow Tests");

    [Fact]
    public async Task The_default_self_signed_certificate_passes_only_EncryptionOnly()
    {
        var (server, port) = Start(_ => { });
        await using (server)
        {
            var address = Assert.Single((await Probe(port)).Addresses);

            Assert.True(address.StartTlsOffered);
            Assert.Equal("CN=SERVER1", address.Chain[0].Subject);
            Assert.True(address.Chain[0].SelfSigned);
            Assert.Equal([true, false, false], address.Verdicts.Select(v => v.Passed));
            Assert.Equal("UntrustedRoot", address.Verdicts[1].Token);
            Assert.Contains(address.Findings, f => f.StartsWith("self-signed", StringComparison.Ordinal));
            Assert.False(await OpenSslVerifies(port, "hybrid.domain.com"));
            Assert.Equal("Untrusted", await PostTlsFinger(port, "hybrid.domain.com"));
        }
    }

    [Fact]
    public async Task The_CA_certificate_named_by_TlsCertificateName_passes_every_level_and_OpenSSL_agrees()
    {
        var (server, port) = Start(administration =>
        {
            using var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
            administration.CertificateStore.Add(hybrid, [], ExchangeServices.SMTP, "hybrid");
            administration.Configuration.Update(c => c.ReceiveConnectors[0].TlsCertificateName = $"<I>{hybrid.Issuer}<S>{hybrid.Subject}");
        });
        await using (server)
        {
            var address = Assert.Single((await Probe(port)).Addresses);

            Assert.Equal("CN=hybrid.domain.com", address.Chain[0].Subject);
            Assert.All(address.Verdicts, v => Assert.True(v.Passed, $"{v.Level}: {v.Detail}"));
            Assert.Empty(address.Findings);
            Assert.True(await OpenSslVerifies(port, "hybrid.domain.com"));
            Assert.Equal("Verified", await PostTlsFinger(port, "hybrid.domain.com"));
            Assert.NotEqual("Verified", await PostTlsFinger(port, "mail.other.test")); // the name does not match: no "Verified", as DomainValidation fails
            var wrongName = Assert.Single((await Probe(port, expect: "mail.other.test")).Addresses);
            Assert.Equal("SubjectMismatch", wrongName.Verdicts.Single(v => v.Level == TlsAuthLevel.DomainValidation).Token);
            Assert.False(await OpenSslVerifies(port, "mail.other.test"));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_leaf_sent_without_its_intermediate_is_a_missing_intermediate_and_OpenSSL_agrees(bool sendIntermediate)
    {
        using var intermediate = ca.CreateIntermediate("CN=Probe Issuing CA, O=MailFlow Tests");
        var (server, port) = Start(administration =>
        {
            using var leaf = intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
            administration.CertificateStore.Add(leaf, sendIntermediate ? [X509CertificateLoader.LoadCertificate(intermediate.Certificate.RawData)] : [], ExchangeServices.SMTP, "leaf");
            administration.Configuration.Update(c => c.ReceiveConnectors[0].TlsCertificateName = $"<I>{leaf.Issuer}<S>{leaf.Subject}");
        });
        await using (server)
        {
            var address = Assert.Single((await Probe(port)).Addresses);

            Assert.Equal(sendIntermediate ? 2 : 1, address.Chain.Count);
            Assert.Equal(sendIntermediate, address.Verdicts.Single(v => v.Level == TlsAuthLevel.CertificateValidation).Passed);
            Assert.Equal(!sendIntermediate, address.Findings.Any(f => f.StartsWith("missing-intermediate", StringComparison.Ordinal)));
            Assert.Equal(sendIntermediate, await OpenSslVerifies(port, "hybrid.domain.com"));
            Assert.Equal(sendIntermediate ? "Verified" : "Untrusted", await PostTlsFinger(port, "hybrid.domain.com"));
            var fromProbe = Diagnose.Diagnoser.Run(new Diagnose.DiagnosisRequest { Probe = await Probe(port) }).Findings;
            Assert.Equal(!sendIntermediate, fromProbe.Any(f => f.RootCause == "RC06"));
        }
    }

    [Fact]
    public async Task A_connector_without_Tls_in_AuthMechanism_shows_STARTTLS_not_offered()
    {
        var (server, port) = Start(administration => administration.Configuration.Update(c => c.ReceiveConnectors[0].AuthMechanism = AuthMechanisms.None));
        await using (server)
        {
            var address = Assert.Single((await Probe(port)).Addresses);

            Assert.False(address.StartTlsOffered);
            Assert.Empty(address.Chain);
            Assert.Contains(address.Findings, f => f.StartsWith("starttls-not-offered", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_IP_address_without_an_expected_name_leaves_DomainValidation_unjudged_instead_of_failing()
    {
        var (server, port) = Start(_ => { });
        await using (server)
        {
            var report = await SmtpProbe.ProbeAsync("127.0.0.1", port, new ProbeOptions { Anchors = TrustAnchors.FromCertificates(ca.Certificate) });

            var domain = Assert.Single(report.Addresses).Verdicts.Single(v => v.Level == TlsAuthLevel.DomainValidation);
            Assert.False(domain.Passed);
            Assert.Null(domain.Token);
            Assert.Contains("--expect", domain.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_port_with_nothing_listening_is_an_error_not_an_exception()
    {
        var address = Assert.Single((await Probe(Ports.Free())).Addresses);

        Assert.NotNull(address.Error);
        Assert.Empty(address.Verdicts);
    }

    /// <summary>The kinds of certificate Postfix is given in the tests below.</summary>
    public enum PostfixCertificate
    {
        None,
        SelfSigned,
        LeafOnly,
        LeafAndIntermediate,
    }

    /// <summary>
    /// The same verdicts against another implementation's server: Postfix's smtpd, judged by probe,
    /// posttls-finger and OpenSSL on the same port.
    /// </summary>
    [Theory]
    [InlineData(PostfixCertificate.None)]
    [InlineData(PostfixCertificate.SelfSigned)]
    [InlineData(PostfixCertificate.LeafOnly)]
    [InlineData(PostfixCertificate.LeafAndIntermediate)]
    public async Task Postfix_smtpd_as_the_target_gets_the_verdicts_posttls_finger_and_OpenSSL_give(PostfixCertificate kind)
    {
        using var intermediate = ca.CreateIntermediate("CN=Probe Issuing CA, O=MailFlow Tests");
        using var certificate = kind switch
        {
            PostfixCertificate.None => null,
            PostfixCertificate.SelfSigned => SelfSignedCertificateFactory.Create(new SelfSignedCertificateSpec("CN=hybrid.domain.com") { DomainNames = ["hybrid.domain.com"] }),
            _ => intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] }),
        };
        var chain = certificate is null ? null
            : certificate.ExportCertificatePem() + "\n" + (kind == PostfixCertificate.LeafAndIntermediate ? intermediate.ExportCertificatePem() + "\n" : string.Empty);
        using var postfix = PostfixSmtpd.Start(Path.Combine(root, "postfix-" + kind), "hybrid.domain.com", chain,
            certificate is null ? null : PrivateKeyPem(certificate));

        var report = await Probe(postfix.Port);
        var address = Assert.Single(report.Addresses);
        var verified = await OpenSslVerifies(postfix.Port, "hybrid.domain.com");
        var finger = await PostTlsFinger(postfix.Port, "hybrid.domain.com");

        Assert.StartsWith("220 hybrid.domain.com ESMTP", address.Banner, StringComparison.Ordinal);
        Assert.Equal(kind != PostfixCertificate.None, address.StartTlsOffered);
        var domainValidation = address.Verdicts.SingleOrDefault(v => v.Level == TlsAuthLevel.DomainValidation);
        Assert.Equal(verified, domainValidation?.Passed == true);
        Assert.Equal(finger == "Verified", domainValidation?.Passed == true);
        switch (kind)
        {
            case PostfixCertificate.None:
                Assert.Contains(address.Findings, f => f.StartsWith("starttls-not-offered", StringComparison.Ordinal));
                Assert.StartsWith("no TLS", finger, StringComparison.Ordinal);
                break;
            case PostfixCertificate.SelfSigned:
                Assert.Equal([true, false, false], address.Verdicts.Select(v => v.Passed));
                Assert.Contains(address.Findings, f => f.StartsWith("self-signed", StringComparison.Ordinal));
                break;
            case PostfixCertificate.LeafOnly:
                Assert.Single(address.Chain);
                Assert.Contains(address.Findings, f => f.StartsWith("missing-intermediate", StringComparison.Ordinal));
                Assert.Equal("RC06", Diagnose.Diagnoser.Run(new Diagnose.DiagnosisRequest { Probe = report }).Findings[0].RootCause);
                break;
            case PostfixCertificate.LeafAndIntermediate:
                Assert.Equal(2, address.Chain.Count);
                Assert.All(address.Verdicts, v => Assert.True(v.Passed, $"{v.Level}: {v.Detail}"));
                break;
        }
    }

    public void Dispose()
    {
        ca.Dispose();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string PrivateKeyPem(X509Certificate2 certificate)
    {
        using System.Security.Cryptography.AsymmetricAlgorithm key = (System.Security.Cryptography.AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()!;
        return key.ExportPkcs8PrivateKeyPem();
    }

    private Task<ProbeReport> Probe(int port, string expect = "hybrid.domain.com") =>
        SmtpProbe.ProbeAsync("127.0.0.1", port, new ProbeOptions { Expect = expect, Anchors = TrustAnchors.FromCertificates(ca.Certificate), Timeout = TimeSpan.FromSeconds(10) });

    /// <summary>SERVER1's Default Frontend alone on a free loopback port, after <paramref name="configure"/>.</summary>
    private (ReceiveService Server, int Port) Start(Action<ServerAdministration> configure)
    {
        var port = Ports.Free();
        var administration = ServerAdministration.Open(new DataDirectory(Path.Combine(root, Guid.NewGuid().ToString("N"))), identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        administration.Configuration.Update(c =>
        {
            c.ReceiveConnectors.RemoveAll(r => r.Name != "Default Frontend SERVER1");
            c.ReceiveConnectors[0].Bindings = [$"127.0.0.1:{port}"];
        });
        configure(administration);
        return (ReceiveService.Start(administration.Data, administration.Configuration.Load(), administration.CertificateStore.List().Certificates, lowestBindablePort: 0), port);
    }

    /// <summary>
    /// Postfix's posttls-finger (Debian's postfix package, installed by test.sh) as a second judge:
    /// "Verified" only when chain and name both check out (DomainValidation passes); at the secure level a
    /// name mismatch is reported as "Untrusted", like a broken chain.
    /// </summary>
    private async Task<string> PostTlsFinger(int port, string name)
    {
        var caFile = Path.Combine(root, "ca.pem");
        await File.WriteAllTextAsync(caFile, ca.Certificate.ExportCertificatePem());
        // The postfix package is installed unconfigured (no /etc/postfix/main.cf): give the tool a main.cf of its own.
        var configuration = Directory.CreateDirectory(Path.Combine(root, "postfix")).FullName;
        await File.WriteAllTextAsync(Path.Combine(configuration, "main.cf"), "compatibility_level = 3.6\n");
        var start = new ProcessStartInfo("/usr/sbin/posttls-finger") { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["MAIL_CONFIG"] = configuration } };
        foreach (var arg in new[] { "-c", "-l", "secure", "-F", caFile, $"[127.0.0.1]:{port}", name })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return System.Text.RegularExpressions.Regex.Match(output, @"(Verified|Trusted|Untrusted) TLS connection established") is { Success: true } m ? m.Groups[1].Value : "no TLS: " + output;
    }

    /// <summary>OpenSSL as the independent judge: s_client with STARTTLS, our CA, hostname verification; true when it verifies.</summary>
    private async Task<bool> OpenSslVerifies(int port, string name)
    {
        var caFile = Path.Combine(root, "ca.pem");
        await File.WriteAllTextAsync(caFile, ca.Certificate.ExportCertificatePem());
        var start = new ProcessStartInfo("openssl") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "s_client", "-starttls", "smtp", "-connect", $"127.0.0.1:{port}", "-CAfile", caFile, "-verify_hostname", name, "-verify_return_error", "-brief" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 && output.Contains("Verification: OK", StringComparison.Ordinal);
    }
}
