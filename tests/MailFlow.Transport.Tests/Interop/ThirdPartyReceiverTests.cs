using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Queue;
using MailFlow.Testing;
using MailFlow.Transport.Delivery;
using MimeKit;

namespace MailFlow.Transport.Tests.Interop;

/// <summary>The test CA and the receiver certificates the interop cases need, written as PEM files.</summary>
public sealed class InteropCertificates : IDisposable
{
    public InteropCertificates()
    {
        Directory.CreateDirectory(Root);
        Ca = CertificateAuthority.CreateRoot("CN=Interop Test CA, O=MailFlow Tests");
        File.WriteAllText(CaPem, Ca.Certificate.ExportCertificatePem());
        using (var mx = Ca.IssueServerCertificate(new ServerCertificateSpec("CN=mx.interop.test") { DnsNames = ["mx.interop.test"] }))
        {
            MatchingCa = Write("matching-ca", mx);
        }

        using (var other = Ca.IssueServerCertificate(new ServerCertificateSpec("CN=other.interop.test") { DnsNames = ["other.interop.test"] }))
        {
            OtherNameCa = Write("other-name-ca", other);
        }

        using (var selfSigned = SelfSignedCertificateFactory.Create(new SelfSignedCertificateSpec("CN=mx.interop.test")))
        {
            SelfSigned = Write("self-signed", selfSigned);
        }

        ClientCertificate = Ca.IssueServerCertificate(new ServerCertificateSpec("CN=relay.tenant.test") { DnsNames = ["relay.tenant.test"] });
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "mailflow-tests", "interop-" + Guid.NewGuid().ToString("N"));

    public CertificateAuthority Ca { get; }

    public string CaPem => Path.Combine(Root, "ca.pem");

    public (string Certificate, string Key) MatchingCa { get; }

    public (string Certificate, string Key) OtherNameCa { get; }

    public (string Certificate, string Key) SelfSigned { get; }

    public X509Certificate2 ClientCertificate { get; }

    public (string Certificate, string Key) For(string kind) => kind switch
    {
        "matching-ca" => MatchingCa,
        "other-name-ca" => OtherNameCa,
        "self-signed" => SelfSigned,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public void Dispose()
    {
        ClientCertificate.Dispose();
        Ca.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private (string, string) Write(string name, X509Certificate2 certificate)
    {
        var certificatePath = Path.Combine(Root, name + ".crt");
        var keyPath = Path.Combine(Root, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = (System.Security.Cryptography.AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}

/// <summary>
/// MailFlow's send side against a third-party receiver (aiosmtpd) over loopback: for every TlsAuthLevel
/// one certificate that passes and one that fails, plus client certificates, opportunistic TLS, SMTPUTF8
/// and 8-bit down-conversion.
/// </summary>
public sealed class ThirdPartyReceiverTests(InteropCertificates certificates) : IClassFixture<InteropCertificates>, IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    public static TheoryData<TlsAuthLevel, string, string?> Levels => new()
    {
        { TlsAuthLevel.EncryptionOnly, "self-signed", null },
        { TlsAuthLevel.EncryptionOnly, "none", "450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail]" },
        { TlsAuthLevel.CertificateValidation, "other-name-ca", null },
        { TlsAuthLevel.CertificateValidation, "self-signed", "{MSG=UntrustedRoot}" },
        { TlsAuthLevel.DomainValidation, "matching-ca", null },
        { TlsAuthLevel.DomainValidation, "other-name-ca", "[{LED=450 4.7.320 Certificate validation failed};{MSG=SubjectMismatch};{FQDN=mx.interop.test};{IP=127.0.0.1};{LRT=" },
    };

    [Theory]
    [MemberData(nameof(Levels))]
    public async Task Each_TlsAuthLevel_passes_one_certificate_and_defers_on_another(TlsAuthLevel level, string certificate, string? expectedFailure)
    {
        var pem = certificate == "none" ? default : certificates.For(certificate);
        using var receiver = AiosmtpdReceiver.Start(Path.Combine(root, "received"), pem.Certificate, pem.Key);
        var connector = Connector(receiver, requireTls: true, level);

        var attempt = await Outbound().SendAsync(connector, "sender@tenant.test", ["user@domain.test"], Message("TLS interop"), CancellationToken.None);

        var outcome = attempt.Recipients["user@domain.test"];
        if (expectedFailure is null)
        {
            Assert.True(outcome.Delivered, outcome.Status);
            var received = Assert.Single(receiver.Messages());
            Assert.True(received.Tls);
            Assert.Equal(["user@domain.test"], received.Recipients);
            Assert.Equal("relay.tenant.test", received.Helo); // EHLO name = connector Fqdn
            Assert.Equal(Message("TLS interop"), received.Content);
        }
        else
        {
            Assert.False(outcome.Delivered);
            Assert.False(outcome.Permanent);
            Assert.Contains(expectedFailure, (attempt.Reason ?? string.Empty) + attempt.LastErrorDetail, StringComparison.Ordinal);
            Assert.Empty(receiver.Messages()); // never fell back to plaintext, never sent after a failed check
        }
    }

    [Fact]
    public async Task Without_RequireTLS_a_receiver_without_STARTTLS_gets_the_message_in_plaintext()
    {
        using var receiver = AiosmtpdReceiver.Start(Path.Combine(root, "received"));
        var attempt = await Outbound().SendAsync(Connector(receiver, requireTls: false, null), "sender@tenant.test", ["user@domain.test"], Message("opportunistic"), CancellationToken.None);

        Assert.True(attempt.Recipients["user@domain.test"].Delivered);
        Assert.False(Assert.Single(receiver.Messages()).Tls);
    }

    [Fact]
    public async Task The_send_connector_TlsCertificateName_is_presented_as_the_client_certificate()
    {
        using var receiver = AiosmtpdReceiver.Start(Path.Combine(root, "received"), certificates.MatchingCa.Certificate, certificates.MatchingCa.Key, clientCa: certificates.CaPem);
        var connector = Connector(receiver, requireTls: true, TlsAuthLevel.DomainValidation);
        connector.TlsCertificateName = SmtpX509Identifier.For(certificates.ClientCertificate).ToString();
        var store = new[] { new ExchangeCertificate(certificates.ClientCertificate, [], ExchangeServices.SMTP, "relay") };

        var attempt = await Outbound(store).SendAsync(connector, "sender@tenant.test", ["user@domain.test"], Message("mutual TLS"), CancellationToken.None);

        Assert.True(attempt.Recipients["user@domain.test"].Delivered, attempt.LastErrorDetail);
        Assert.Equal("commonName=relay.tenant.test", Assert.Single(receiver.Messages()).ClientCertificateSubject);
    }

    [Fact]
    public async Task A_TlsCertificateName_that_names_no_certificate_defers_with_Exchange_454_4_7_5()
    {
        using var receiver = AiosmtpdReceiver.Start(Path.Combine(root, "received"), certificates.MatchingCa.Certificate, certificates.MatchingCa.Key);
        var connector = Connector(receiver, requireTls: true, TlsAuthLevel.DomainValidation);
        connector.TlsCertificateName = "<I>CN=Interop Test CA, O=MailFlow Tests<S>CN=removed.tenant.test";

        var attempt = await Outbound().SendAsync(connector, "sender@tenant.test", ["user@domain.test"], Message("no client certificate"), CancellationToken.None);

        Assert.Equal(OutboundDelivery.ClientCertificateMissing, attempt.LastErrorDetail);
        Assert.False(attempt.Recipients["user@domain.test"].Permanent);
        Assert.Empty(receiver.Messages());
    }

    [Fact]
    public async Task An_SMTPUTF8_message_to_a_server_without_SMTPUTF8_fails_permanently_with_5_6_7()
    {
        using var receiver = AiosmtpdReceiver.Start(Path.Combine(root, "received"), smtpUtf8: false);
        var connector = Connector(receiver, requireTls: false, null);
        var envelope = new SpooledEnvelope
        {
            Id = "x", InternalId = 1, ReceivedUtc = DateTimeOffset.UtcNow, ConnectorId = "c", SessionId = "s", ClientAddress = "127.0.0.1", ClientHelo = "h",
            MailFrom = "jörg@tenant.test", SmtpUtf8 = true, Recipients = [new SpooledRecipient("user@domain.test")],
        };
        var (session, failure) = await Outbound().ConnectAsync(connector, "domain.test", CancellationToken.None);
        Assert.Null(failure);
        await using (session)
        {
            var attempt = await session!.SendAsync(envelope, ["user@domain.test"], Message("Grüße"), CancellationToken.None);
            var outcome = attempt.Recipients["user@domain.test"];
            Assert.True(outcome.Permanent);
            Assert.False(outcome.Delivered);
            Assert.StartsWith("550 5.6.7 ", outcome.Status, StringComparison.Ordinal);
        }

        Assert.Empty(receiver.Messages());
    }

    [Fact]
    public async Task Eight_bit_content_is_converted_to_seven_bits_for_a_server_without_8BITMIME()
    {
        using var receiver = AiosmtpdReceiver.Start(Path.Combine(root, "received"), hide8BitMime: true);
        var content = Encoding.UTF8.GetBytes("Subject: 8bit\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n");

        var attempt = await Outbound().SendAsync(Connector(receiver, requireTls: false, null), "sender@tenant.test", ["user@domain.test"], content, CancellationToken.None);

        Assert.True(attempt.Recipients["user@domain.test"].Delivered, attempt.LastErrorDetail);
        var received = Assert.Single(receiver.Messages());
        Assert.All(received.Content, b => Assert.True(b < 0x80, "a byte with the high bit reached a 7-bit server"));
        Assert.DoesNotContain("BODY=8BITMIME", received.MailOptions);
        var parsed = MimeMessage.Load(new MemoryStream(received.Content));
        Assert.Equal("Grüße aus Köln", parsed.TextBody?.TrimEnd());
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private OutboundDelivery Outbound(IReadOnlyList<ExchangeCertificate>? store = null) =>
        new(new MailFlowConfiguration
        {
            Server = new ServerIdentity { Name = "EOP", Fqdn = "mail.protection.outlook.test" },
            HostsOverride = new(StringComparer.OrdinalIgnoreCase) { ["mx.interop.test"] = "127.0.0.1" },
        }, TrustAnchors.FromCertificates(certificates.Ca.Certificate), certificates: store);

    private static SendConnector Connector(AiosmtpdReceiver receiver, bool requireTls, TlsAuthLevel? level) => new()
    {
        Name = "To interop",
        AddressSpaces = ["domain.test"],
        DNSRoutingEnabled = false,
        SmartHosts = [$"mx.interop.test:{receiver.Port}"],
        RequireTLS = requireTls,
        TlsAuthLevel = level,
        TlsDomain = level == TlsAuthLevel.DomainValidation ? "mx.interop.test" : null,
        Fqdn = "relay.tenant.test",
    };

    private static byte[] Message(string subject) => Encoding.UTF8.GetBytes($"Subject: {subject}\r\nMessage-ID: <{subject.Replace(' ', '.')}@tenant.test>\r\n\r\nbody line\r\n.leading dot\r\n");
}
