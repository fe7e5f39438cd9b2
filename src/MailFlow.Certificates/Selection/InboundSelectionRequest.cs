using MailFlow.Certificates.Identity;

namespace MailFlow.Certificates.Selection;

/// <summary>The connector facts that inbound STARTTLS selection depends on — nothing else is consulted (not SNI).</summary>
/// <param name="ConnectorIdentity">e.g. <c>SERVER1\Default Frontend SERVER1</c>, for messages and events.</param>
/// <param name="TlsInAuthMechanism">Whether the connector's AuthMechanism contains <c>Tls</c>.</param>
/// <param name="TlsCertificateName">The connector's TlsCertificateName, or null.</param>
/// <param name="ConnectorFqdn">The connector's Fqdn, or null.</param>
/// <param name="ServerFqdn">The server's own FQDN (the last fallback).</param>
public sealed record InboundSelectionRequest(
    string ConnectorIdentity,
    bool TlsInAuthMechanism,
    SmtpX509Identifier? TlsCertificateName,
    string? ConnectorFqdn,
    string ServerFqdn);
