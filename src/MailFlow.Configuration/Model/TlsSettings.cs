using MailFlow.Certificates.Names;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Trust;

namespace MailFlow.Configuration.Model;

/// <summary>How this server trusts peers and chooses its own certificates.</summary>
public sealed class TlsSettings
{
    /// <summary>Trust the operating system's root store.</summary>
    public bool UseSystemRoots { get; set; } = true;

    /// <summary>Extra trusted roots (PEM or DER files); relative paths are under the data directory.</summary>
    public List<string> AdditionalRootFiles { get; set; } = [];

    public RevocationCheck RevocationCheck { get; set; } = RevocationCheck.None;

    /// <summary>Exchange (Subject CN or SAN, the default) or RFC 9525 (SAN only) for outbound DomainValidation.</summary>
    public NameMatchProfile OutboundNameMatchProfile { get; set; } = NameMatchProfile.Exchange;

    public CertificateTieBreak SelectionTieBreak { get; set; } = CertificateTieBreak.NewestNotBefore;

    public bool SelectionSmtpServiceRequired { get; set; } = true;

    public bool SelectionWildcardMatchesFqdn { get; set; } = true;

    public CertificateSelectionPolicy ToSelectionPolicy() => new()
    {
        TieBreak = SelectionTieBreak,
        SmtpServiceRequired = SelectionSmtpServiceRequired,
        WildcardMatchesFqdn = SelectionWildcardMatchesFqdn,
    };
}
