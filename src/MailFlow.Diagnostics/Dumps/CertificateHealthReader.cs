using System.Text.RegularExpressions;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Dumps;

/// <summary>What a certificate-health token means, whichever tool wrote it.</summary>
public enum CertificateHealth
{
    Valid,
    Revoked,

    /// <summary>The revocation check could not be made (CRL/OCSP offline, no check, Exchange's RevocationCheckFailure).</summary>
    RevocationUnknown,
    UntrustedRoot,
    PartialChain,

    /// <summary>Outside its validity period (expired or not yet valid; Exchange's DateInvalid).</summary>
    Expired,
    NameMismatch,

    /// <summary>Exchange's Status Invalid, or a signature that does not verify.</summary>
    Invalid,
    PendingRequest,
}

/// <summary>One health statement: where, the token as written, its meaning, and the certificate the text ties it to.</summary>
public sealed record CertificateHealthFinding(SourceLine Source, string Token, CertificateHealth Meaning, string? Thumbprint, string? Subject);

/// <summary>
/// Reads certificate-health text as admins paste it: <c>Test-Certificate</c> warnings and errors (and
/// <c>| fl</c>), <c>certutil -verify [-urlfetch]</c> output, CAPI2 events (11, 30, 53 … in text or XML) and the
/// <c>Status</c> of <c>Get-ExchangeCertificate | fl</c>. Each line is matched against the CryptoAPI chain
/// flags, HRESULTs (symbolic or hex), certutil's sentences and Exchange's statuses; one finding per meaning
/// per line, the symbolic name preferred. A finding is tied to the thumbprint/subject the text names nearest
/// before it in the same block (a fl object, a certutil CertContext), or after it in that block for fl dumps
/// whose Status precedes Thumbprint, or to the only certificate the text names. Streams lines; never throws.
/// </summary>
public static partial class CertificateHealthReader
{
    public const int MaxFindings = 1000;

    /// <summary>Tokens in order of preference on a line: symbolic names first, then codes, then sentences.</summary>
    private static readonly (Regex Pattern, CertificateHealth Meaning)[] Tokens =
    [
        (RevokedName(), CertificateHealth.Revoked),
        (RevocationUnknownName(), CertificateHealth.RevocationUnknown),
        (UntrustedRootName(), CertificateHealth.UntrustedRoot),
        (PartialChainName(), CertificateHealth.PartialChain),
        (ExpiredName(), CertificateHealth.Expired),
        (NameMismatchName(), CertificateHealth.NameMismatch),
        (InvalidSignatureName(), CertificateHealth.Invalid),
        (RevokedCode(), CertificateHealth.Revoked),
        (RevocationUnknownCode(), CertificateHealth.RevocationUnknown),
        (UntrustedRootCode(), CertificateHealth.UntrustedRoot),
        (PartialChainCode(), CertificateHealth.PartialChain),
        (ExpiredCode(), CertificateHealth.Expired),
        (NameMismatchCode(), CertificateHealth.NameMismatch),
        (RevokedSentence(), CertificateHealth.Revoked),
        (RevocationOfflineSentence(), CertificateHealth.RevocationUnknown),
        // The Exchange Management Console's wording for Status RevocationCheckFailure.
        (RevocationCheckFailedSentence(), CertificateHealth.RevocationUnknown),
        (IncompleteChainSentence(), CertificateHealth.PartialChain),
        (RevocationPassedSentence(), CertificateHealth.Valid),
    ];

    public static IReadOnlyList<CertificateHealthFinding> Read(string file)
    {
        try
        {
            return Read(file, File.ReadLines(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public static IReadOnlyList<CertificateHealthFinding> Read(string file, IEnumerable<string> lines)
    {
        var findings = new List<CertificateHealthFinding>();
        var named = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? thumbprint = null, subject = null;
        var blockStart = 0;
        var subjectNext = false;
        var previous = string.Empty;
        long number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith("CertContext[", StringComparison.Ordinal))
            {
                // A blank line ends a fl object or a certutil section; CertContext[i][j] starts the next chain element.
                Backfill(findings, blockStart, thumbprint, subject);
                (thumbprint, subject, blockStart, subjectNext) = (null, null, findings.Count, false);
                if (trimmed.Length == 0)
                {
                    continue;
                }
            }

            if (subjectNext && trimmed.Contains('=', StringComparison.Ordinal))
            {
                subject ??= trimmed; // certutil prints "Subject:" and the name's parts indented below it, the first (CN=…) first
                subjectNext = false;
            }

            if (ThumbprintOf(trimmed) is { } print)
            {
                thumbprint = print;
                named.Add(print);
            }

            if (SubjectOf(trimmed, out var onNextLine) is { } name)
            {
                subject = name;
            }

            subjectNext |= onNextLine;
            if (findings.Count < MaxFindings)
            {
                Find(findings, new SourceLine(file, number, line), trimmed, previous, thumbprint, subject);
            }

            previous = trimmed;
        }

        Backfill(findings, blockStart, thumbprint, subject);
        if (named.Count == 1)
        {
            var only = named.First();
            for (var i = 0; i < findings.Count; i++)
            {
                findings[i] = findings[i] with { Thumbprint = findings[i].Thumbprint ?? only };
            }
        }

        return findings;
    }

    private static void Find(List<CertificateHealthFinding> findings, SourceLine source, string line, string previous, string? thumbprint, string? subject)
    {
        var seen = new HashSet<CertificateHealth>();
        foreach (var (pattern, meaning) in Tokens)
        {
            if (!seen.Contains(meaning) && pattern.Match(line) is { Success: true } match)
            {
                seen.Add(meaning);
                findings.Add(new CertificateHealthFinding(source, match.Value, meaning, thumbprint, subject));
            }
        }

        if (ExchangeStatus().Match(line) is { Success: true } status && StatusMeaning(status.Groups[1].Value) is { } statusMeaning)
        {
            findings.Add(new CertificateHealthFinding(source, $"Status : {status.Groups[1].Value}", statusMeaning, thumbprint, subject));
        }

        // Test-Certificate answers True when the chain and the revocation check passed.
        if (line.Equals("True", StringComparison.OrdinalIgnoreCase) && previous.Contains("Test-Certificate", StringComparison.OrdinalIgnoreCase))
        {
            findings.Add(new CertificateHealthFinding(source, "True", CertificateHealth.Valid, thumbprint, subject));
        }
    }

    private static CertificateHealth? StatusMeaning(string status) => status.ToUpperInvariant() switch
    {
        "VALID" => CertificateHealth.Valid,
        "REVOKED" => CertificateHealth.Revoked,
        "REVOCATIONCHECKFAILURE" => CertificateHealth.RevocationUnknown,
        "INVALID" => CertificateHealth.Invalid,
        "PENDINGREQUEST" => CertificateHealth.PendingRequest,
        "DATEINVALID" => CertificateHealth.Expired,
        "UNTRUSTED" => CertificateHealth.UntrustedRoot,
        _ => null,
    };

    /// <summary>Findings of the block that ends here, made before the block named its certificate (fl dumps print Status before Thumbprint).</summary>
    private static void Backfill(List<CertificateHealthFinding> findings, int from, string? thumbprint, string? subject)
    {
        for (var i = from; i < findings.Count; i++)
        {
            findings[i] = findings[i] with { Thumbprint = findings[i].Thumbprint ?? thumbprint, Subject = findings[i].Subject ?? subject };
        }
    }

    private static string? ThumbprintOf(string line) =>
        ThumbprintLine().Match(line) is { Success: true } match ? match.Groups["tp"].Value.ToUpperInvariant() : null;

    private static string? SubjectOf(string line, out bool onNextLine)
    {
        onNextLine = false;
        if (SubjectLine().Match(line) is not { Success: true } match)
        {
            return null;
        }

        var value = match.Groups["value"].Value.Trim().Trim('"');
        onNextLine = value.Length == 0;
        return value.Length == 0 ? null : value;
    }

    // The symbolic names and codes are whole tokens: no letter, digit or underscore on either side.
    [GeneratedRegex(@"(?<![A-Za-z0-9_])(CERT_TRUST_IS_REVOKED|CRYPT_E_REVOKED|CERT_E_REVOKED)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RevokedName();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(CERT_TRUST_REVOCATION_STATUS_UNKNOWN|CERT_TRUST_IS_OFFLINE_REVOCATION|CRYPT_E_REVOCATION_OFFLINE|CRYPT_E_NO_REVOCATION_CHECK|CERT_E_REVOCATION_FAILURE)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RevocationUnknownName();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(CERT_TRUST_IS_UNTRUSTED_ROOT|CERT_E_UNTRUSTEDROOT)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UntrustedRootName();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(CERT_TRUST_IS_PARTIAL_CHAIN|CERT_E_CHAINING)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PartialChainName();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(CERT_TRUST_IS_NOT_TIME_VALID|CERT_E_EXPIRED)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExpiredName();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(CERT_E_CN_NO_MATCH)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NameMismatchName();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(CERT_TRUST_IS_NOT_SIGNATURE_VALID|TRUST_E_CERT_SIGNATURE)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InvalidSignatureName();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])((0x)?80092010|(0x)?800B010C)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RevokedCode();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])((0x)?80092013|(0x)?80092012|(0x)?800B010E)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RevocationUnknownCode();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])((0x)?800B0109)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UntrustedRootCode();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])((0x)?800B010A)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PartialChainCode();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])((0x)?800B0101)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExpiredCode();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])((0x)?800B010F)(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NameMismatchCode();

    [GeneratedRegex(@"(Leaf )?certificate is REVOKED", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RevokedSentence();

    [GeneratedRegex(@"unable to check revocation because the revocation server was offline", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RevocationOfflineSentence();

    [GeneratedRegex(@"status could not be determined because the revocation check failed", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RevocationCheckFailedSentence();

    [GeneratedRegex(@"Incomplete certificate chain", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IncompleteChainSentence();

    [GeneratedRegex(@"Leaf certificate revocation check passed", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RevocationPassedSentence();

    [GeneratedRegex(@"^Status\s*:\s*(\w+)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex ExchangeStatus();

    /// <summary>
    /// certutil's <c>Cert: …</c>, fl's <c>Thumbprint : …</c>, a <c>Cert:\LocalMachine\My\…</c> path, CAPI2's <c>fileRef="….cer"</c>.
    /// Any length from 32 to 64 digits: published samples carry illustrative thumbprints of odd lengths (exchange-semantics.md §3.5).
    /// </summary>
    [GeneratedRegex(@"(^(Cert|Thumbprint|Cert Hash\(sha1\))\s*:\s*|Cert:\\LocalMachine\\My\\|fileRef=""|Thumbprint=)(?<tp>[0-9A-Fa-f]{32,64})\b", RegexOptions.IgnoreCase)]
    private static partial Regex ThumbprintLine();

    [GeneratedRegex(@"(^Subject\s*:|subjectName="")(?<value>[^""]*)", RegexOptions.IgnoreCase)]
    private static partial Regex SubjectLine();
}
