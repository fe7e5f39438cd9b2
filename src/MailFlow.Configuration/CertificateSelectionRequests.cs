using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Selection;
using MailFlow.Configuration.Model;

namespace MailFlow.Configuration;

/// <summary>The bridge from a configured receive connector to the certificate model's selection request.</summary>
public static class CertificateSelectionRequests
{
    public static InboundSelectionRequest For(MailFlowConfiguration configuration, ReceiveConnector connector)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(connector);
        var name = connector.TlsCertificateName is null ? null : SmtpX509Identifier.Parse(connector.TlsCertificateName);
        return new InboundSelectionRequest(
            configuration.IdentityOf(connector),
            connector.AuthMechanism.HasFlag(AuthMechanisms.Tls),
            name,
            connector.Fqdn,
            configuration.Server.Fqdn);
    }
}
