using System.Security.Cryptography.X509Certificates;

namespace MailFlow.Certificates.Identity;

/// <summary>
/// Exchange's <c>TlsCertificateName</c> value, <c>&lt;I&gt;issuer&lt;S&gt;subject</c>
/// (Microsoft.Exchange.Data.SmtpX509Identifier). A certificate matches when its Issuer and Subject,
/// rendered the way .NET and Get-ExchangeCertificate render them, are equal to the two parts,
/// ignoring case — the rule HealthChecker uses, since Exchange's own normalisation is undocumented
/// (docs/decisions/0002-tls-certificate-name-matching.md).
/// </summary>
public sealed record SmtpX509Identifier
{
    public const string IssuerPrefix = "<I>";
    public const string SubjectPrefix = "<S>";

    private SmtpX509Identifier(string certificateIssuer, string certificateSubject)
    {
        CertificateIssuer = certificateIssuer;
        CertificateSubject = certificateSubject;
    }

    public string CertificateIssuer { get; }

    public string CertificateSubject { get; }

    public static SmtpX509Identifier Create(string certificateIssuer, string certificateSubject)
    {
        ArgumentNullException.ThrowIfNull(certificateIssuer);
        ArgumentNullException.ThrowIfNull(certificateSubject);
        if (ContainsMarker(certificateIssuer) || ContainsMarker(certificateSubject))
        {
            throw new ArgumentException("an issuer or subject containing <I> or <S> cannot be written as a TlsCertificateName");
        }

        if (certificateIssuer.Length == 0 || certificateSubject.Length == 0)
        {
            throw new ArgumentException("issuer and subject must not be empty");
        }

        return new SmtpX509Identifier(certificateIssuer, certificateSubject);
    }

    /// <summary>The identifier that names <paramref name="certificate"/>, as the Exchange recipe builds it.</summary>
    public static SmtpX509Identifier For(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Create(certificate.Issuer, certificate.Subject);
    }

    /// <summary>
    /// Parses <c>&lt;I&gt;issuer&lt;S&gt;subject</c>. Prefixes are matched case-insensitively
    /// (Microsoft's own hybrid docs write <c>&lt;i&gt;…&lt;s&gt;…</c>). Never throws on bad input.
    /// </summary>
    public static bool TryParse(string? text, out SmtpX509Identifier? identifier, out string? error)
    {
        identifier = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the value is empty";
            return false;
        }

        var value = text.Trim();
        var issuerAt = IndexOfMarker(value, IssuerPrefix, out var issuerCount);
        var subjectAt = IndexOfMarker(value, SubjectPrefix, out var subjectCount);
        if (issuerCount == 0 || subjectCount == 0)
        {
            error = LooksLikeThumbprint(value)
                ? "it looks like a thumbprint; TlsCertificateName takes \"<I>issuer<S>subject\" built from the certificate's Issuer and Subject"
                : $"it must have the form \"<I>issuer<S>subject\" and the {(issuerCount == 0 ? "<I> (issuer)" : "<S> (subject)")} part is missing";
            return false;
        }

        if (issuerCount > 1 || subjectCount > 1)
        {
            error = $"{(issuerCount > 1 ? "<I>" : "<S>")} appears more than once";
            return false;
        }

        if (issuerAt != 0)
        {
            error = "it must start with <I>";
            return false;
        }

        if (subjectAt < issuerAt)
        {
            error = "<I> (issuer) must come before <S> (subject)";
            return false;
        }

        var issuer = value[IssuerPrefix.Length..subjectAt];
        var subject = value[(subjectAt + SubjectPrefix.Length)..];
        if (issuer.Length == 0 || subject.Length == 0)
        {
            error = $"the {(issuer.Length == 0 ? "issuer (<I>)" : "subject (<S>)")} part is empty";
            return false;
        }

        identifier = new SmtpX509Identifier(issuer, subject);
        return true;
    }

    public static SmtpX509Identifier Parse(string text) =>
        TryParse(text, out var identifier, out var error)
            ? identifier!
            : throw new FormatException($"TlsCertificateName \"{text}\" is not valid: {error}");

    public bool Matches(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Equals(certificate.Issuer, CertificateIssuer, StringComparison.OrdinalIgnoreCase)
            && string.Equals(certificate.Subject, CertificateSubject, StringComparison.OrdinalIgnoreCase);
    }

    public override string ToString() => IssuerPrefix + CertificateIssuer + SubjectPrefix + CertificateSubject;

    public bool Equals(SmtpX509Identifier? other) =>
        other is not null
        && string.Equals(CertificateIssuer, other.CertificateIssuer, StringComparison.OrdinalIgnoreCase)
        && string.Equals(CertificateSubject, other.CertificateSubject, StringComparison.OrdinalIgnoreCase);

    public override int GetHashCode() => HashCode.Combine(
        StringComparer.OrdinalIgnoreCase.GetHashCode(CertificateIssuer),
        StringComparer.OrdinalIgnoreCase.GetHashCode(CertificateSubject));

    private static bool ContainsMarker(string value) =>
        value.Contains(IssuerPrefix, StringComparison.OrdinalIgnoreCase) || value.Contains(SubjectPrefix, StringComparison.OrdinalIgnoreCase);

    private static int IndexOfMarker(string value, string marker, out int count)
    {
        var first = value.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
        count = 0;
        for (var at = first; at >= 0; at = value.IndexOf(marker, at + marker.Length, StringComparison.OrdinalIgnoreCase))
        {
            count++;
        }

        return first;
    }

    private static bool LooksLikeThumbprint(string value) =>
        value.Length >= 32 && value.All(Uri.IsHexDigit);
}
