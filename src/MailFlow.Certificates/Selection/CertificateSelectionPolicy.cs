namespace MailFlow.Certificates.Selection;

/// <summary>Which eligible certificate ranks first when several match.</summary>
public enum CertificateTieBreak
{
    /// <summary>Newest NotBefore first, as "Selection of Inbound STARTTLS Certificates" documents. Default.</summary>
    NewestNotBefore,

    /// <summary>Latest NotAfter first, as the Exchange team's 2025 hybrid blog and CSS-Exchange #1165 describe.</summary>
    LatestNotAfter,
}

/// <summary>
/// The undocumented corners of Exchange's selection, made explicit and configurable
/// (docs/decisions/0005-inbound-certificate-selection.md).
/// </summary>
public sealed record CertificateSelectionPolicy
{
    public static CertificateSelectionPolicy Default { get; } = new();

    public CertificateTieBreak TieBreak { get; init; } = CertificateTieBreak.NewestNotBefore;

    /// <summary>
    /// True (default): a certificate must be enabled for SMTP to be eligible. False emulates the
    /// documented caveat that Exchange still picks it and the TLS session fails later; the decision
    /// then carries a warning.
    /// </summary>
    public bool SmtpServiceRequired { get; init; } = true;

    /// <summary>True (default): a <c>*.domain.com</c> name satisfies the FQDN search for <c>host.domain.com</c>.</summary>
    public bool WildcardMatchesFqdn { get; init; } = true;
}
