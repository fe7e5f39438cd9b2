using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Core.Errors;
using MailFlow.Management.Certificates;
using MailFlow.Management.Connectors;

namespace MailFlow.Management.Tests;

/// <summary>The article end to end through the management layer: symptom, diagnosis, the three-line fix.</summary>
public sealed class SeedCaseTests : IDisposable
{
    private const string Connector = @"SERVER1\Default Frontend SERVER1";
    private readonly SeedWorld world = new();
    private readonly ExchangeCertificateCommands certificates;
    private readonly ReceiveConnectorCommands receive;

    public SeedCaseTests()
    {
        certificates = new ExchangeCertificateCommands(world.Administration);
        receive = new ReceiveConnectorCommands(world.Administration);
        certificates.Import(new ImportCertificateRequest(world.PfxFile) { Password = "pfx-password", Services = ExchangeServices.SMTP | ExchangeServices.IIS });
    }

    [Fact]
    public void The_default_connector_presents_CN_SERVER1_until_TlsCertificateName_names_the_CA_certificate()
    {
        var before = certificates.ExplainSelection(Connector);
        Assert.Null(receive.Get(Connector).TlsCertificateName);
        Assert.Equal(world.SelfSignedThumbprint, before.SelectedThumbprint);
        Assert.Equal("CN=SERVER1", before.SelectedSubject);
        Assert.Equal(SelectionPath.ConnectorFqdn, before.Path);

        // $tlscert = Get-ExchangeCertificate 4C0F…; $tlscertname = "<I>$($TLScert.Issuer)<S>$($TLSCert.Subject)"
        var tlscert = certificates.Get(world.HybridThumbprint);
        var tlscertname = $"<I>{tlscert.Issuer}<S>{tlscert.Subject}";
        receive.Set(Connector, new Dictionary<string, string?> { ["TlsCertificateName"] = tlscertname });

        var after = certificates.ExplainSelection(Connector);
        Assert.Equal(tlscertname, receive.Get(Connector).TlsCertificateName);
        Assert.Equal(SelectionPath.TlsCertificateName, after.Path);
        Assert.Equal(world.HybridThumbprint, after.SelectedThumbprint);
    }

    [Fact]
    public void Exchange_Online_validation_of_what_each_decision_presents()
    {
        var anchors = TrustAnchors.FromCertificates(world.Ca.Certificate);
        var request = new OutboundValidationRequest(TlsAuthLevel.DomainValidation, "hybrid.domain.com");
        var presentedBefore = certificates.ExplainSelection(Connector).Certificate!;
        receive.Set(Connector, new Dictionary<string, string?> { ["TlsCertificateName"] = SmtpX509Identifier.For(world.Administration.CertificateStore.Get(world.HybridThumbprint).Certificate).ToString() });
        var presentedAfter = certificates.ExplainSelection(Connector).Certificate!;

        var before = OutboundCertificateValidator.Validate(presentedBefore.Certificate, presentedBefore.Chain, request, anchors, DateTimeOffset.UtcNow);
        var after = OutboundCertificateValidator.Validate(presentedAfter.Certificate, presentedAfter.Chain, request, anchors, DateTimeOffset.UtcNow);

        Assert.Equal("SubjectMismatch", before.Token!.Name);
        Assert.True(after.Passed);
    }

    [Fact]
    public void A_certificate_named_by_a_connector_cannot_be_removed()
    {
        var hybrid = world.Administration.CertificateStore.Get(world.HybridThumbprint);
        receive.Set(Connector, new Dictionary<string, string?> { ["TlsCertificateName"] = SmtpX509Identifier.For(hybrid.Certificate).ToString() });

        var error = Assert.Throws<MailFlowException>(() => certificates.Remove(world.HybridThumbprint));

        Assert.Contains(Connector, error.Message, StringComparison.Ordinal);
        Assert.NotNull(world.Administration.CertificateStore.Find(world.HybridThumbprint));
        receive.Set(Connector, new Dictionary<string, string?> { ["TlsCertificateName"] = "$null" });
        certificates.Remove(world.HybridThumbprint);
        Assert.Null(world.Administration.CertificateStore.Find(world.HybridThumbprint));
    }

    [Fact]
    public void The_embedded_default_matches_Exchange_setup()
    {
        var selfSigned = certificates.Get(world.SelfSignedThumbprint);

        Assert.Equal(5, receive.Get().Count);
        Assert.Equal("CN=SERVER1", selfSigned.Subject);
        Assert.Equal(["SERVER1", "SERVER1.domain.com"], selfSigned.CertificateDomains);
        Assert.Equal("IMAP, POP, IIS, SMTP", selfSigned.Services);
        Assert.Equal(RootCAType.Registry, selfSigned.RootCAType);
        Assert.Equal(EmbeddedDefault.DefaultCertificateFriendlyName, selfSigned.FriendlyName);
    }

    public void Dispose() => world.Dispose();
}
