namespace MailFlow.Certificates.Validation;

/// <summary>
/// The short reason Exchange Online puts in <c>{MSG=…}</c> / <c>[Message=…]</c>. Only
/// <c>SubjectMismatch</c> and <c>UntrustedRoot</c> are documented; for other failures MailFlow uses the
/// .NET X509ChainStatusFlags name and marks the token undocumented. Tokens read from a real trace
/// that we do not know stay as they are (<see cref="IsKnown"/> false), never mapped to a guess.
/// </summary>
public sealed record ExchangeTlsToken(string Name, bool IsDocumented, bool IsKnown, string Meaning, TlsRptResultType TlsRptResult)
{
    public static readonly ExchangeTlsToken SubjectMismatch = new(
        "SubjectMismatch", true, true, "no name in the certificate (Subject CN or SAN) matches the expected name", TlsRptResultType.CertificateHostMismatch);

    public static readonly ExchangeTlsToken UntrustedRoot = new(
        "UntrustedRoot", true, true, "the chain does not reach a trusted root (includes a server that does not send its intermediates)", TlsRptResultType.CertificateNotTrusted);

    public static readonly ExchangeTlsToken NotTimeValid = new(
        "NotTimeValid", false, true, "the certificate is expired or not yet valid", TlsRptResultType.CertificateExpired);

    public static readonly ExchangeTlsToken Revoked = new(
        "Revoked", false, true, "the certificate has been revoked", TlsRptResultType.ValidationFailure);

    public static readonly ExchangeTlsToken RevocationStatusUnknown = new(
        "RevocationStatusUnknown", false, true, "revocation could not be checked", TlsRptResultType.ValidationFailure);

    public static readonly ExchangeTlsToken NotSignatureValid = new(
        "NotSignatureValid", false, true, "a signature in the chain does not verify", TlsRptResultType.ValidationFailure);

    public static readonly ExchangeTlsToken ChainInvalid = new(
        "ChainInvalid", false, true, "the chain is invalid for another reason (usage, constraints, policy)", TlsRptResultType.ValidationFailure);

    public static IReadOnlyList<ExchangeTlsToken> Known { get; } =
        [SubjectMismatch, UntrustedRoot, NotTimeValid, Revoked, RevocationStatusUnknown, NotSignatureValid, ChainInvalid];

    /// <summary>The token with that name, or an explicit unknown token carrying the name as read.</summary>
    public static ExchangeTlsToken FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Known.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? new ExchangeTlsToken(name, false, false, "a token MailFlow does not know; read it as Exchange wrote it", TlsRptResultType.ValidationFailure);
    }

    public override string ToString() => Name;
}

/// <summary>RFC 8460 result types (IANA "STARTTLS Validation Result Types").</summary>
public enum TlsRptResultType
{
    StartTlsNotSupported,
    CertificateHostMismatch,
    CertificateExpired,
    CertificateNotTrusted,
    ValidationFailure,
}

public static class TlsRptResultTypeText
{
    /// <summary>The registry spelling, e.g. <c>certificate-host-mismatch</c>.</summary>
    public static string Format(TlsRptResultType type) => type switch
    {
        TlsRptResultType.StartTlsNotSupported => "starttls-not-supported",
        TlsRptResultType.CertificateHostMismatch => "certificate-host-mismatch",
        TlsRptResultType.CertificateExpired => "certificate-expired",
        TlsRptResultType.CertificateNotTrusted => "certificate-not-trusted",
        _ => "validation-failure",
    };
}
