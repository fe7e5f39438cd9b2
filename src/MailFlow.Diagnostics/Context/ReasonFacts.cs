using System.Globalization;
using MailFlow.Diagnostics.Reasons;

namespace MailFlow.Diagnostics.Context;

/// <summary>
/// What a reason says once its nested replies are flattened — with any other statements of the same
/// incident (a queue's LastError, an event text): the token, the TLS error, every enhanced code and
/// every text, from the outer wrapper to the next hop's own reply. Rules ask these questions
/// instead of walking <see cref="ParsedReason.Nested"/> themselves.
/// </summary>
public sealed class ReasonFacts
{
    private ReasonFacts(ParsedReason reason, IEnumerable<ParsedReason> others)
    {
        Reason = reason;
        var all = new List<ParsedReason>();
        foreach (var statement in others.Prepend(reason))
        {
            for (var r = statement; r is not null; r = r.Nested)
            {
                all.Add(r);
            }
        }

        // A token outside [Message=…] or {MSG=…} still names the failure ("Failed to establish appropriate TLS channel: UntrustedRoot").
        Token = all.Select(r => r.Token).FirstOrDefault(t => t is not null)
            ?? KnownTokens.FirstOrDefault(t => all.Any(r => r.Input.Contains(t, StringComparison.OrdinalIgnoreCase)));
        TlsError = all.Select(r => r.TlsError).FirstOrDefault(t => t is not null);
        Codes = all.Select(r => r.EnhancedCode).OfType<string>().ToList();
        Text = string.Join(" | ", all.Select(r => r.Text).OfType<string>().Concat(others.Prepend(reason).Select(r => r.Input)));
        Host = reason.TargetHost ?? reason.OutboundProxyTargetHostName;
    }

    /// <summary>Certificate-validation tokens Exchange Online and Exchange write (exchange-semantics.md §5).</summary>
    private static readonly string[] KnownTokens = ["SubjectMismatch", "UntrustedRoot", "NotTimeValid", "CertificateExpired", "Revoked", "RevocationStatusUnknown", "OfflineRevocation"];

    public ParsedReason Reason { get; }

    public string? Token { get; }

    public string? TlsError { get; }

    /// <summary>Every enhanced status code, outermost first.</summary>
    public IReadOnlyList<string> Codes { get; }

    /// <summary>All texts and the input, for phrase tests ("STARTTLS is required").</summary>
    public string Text { get; }

    public string? Host { get; }

    public string HostOrTarget => Host ?? "the target";

    public static ReasonFacts Of(ParsedReason reason) => new(reason ?? throw new ArgumentNullException(nameof(reason)), []);

    /// <summary>The reason and the other statements of the same incident (a queue's LastError, an event text), read as one account.</summary>
    public static ReasonFacts Of(ParsedReason reason, IEnumerable<ParsedReason> others) => new(reason ?? throw new ArgumentNullException(nameof(reason)), others ?? []);

    public bool Has(string code) => Codes.Contains(code);

    public bool Says(string phrase) => Text.Contains(phrase, StringComparison.OrdinalIgnoreCase);

    public bool TokenIs(params string[] tokens) => Token is not null && tokens.Any(t => t.Equals(Token, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The sending side had no usable certificate for its send connector: 454 4.7.5 (not PRX5's Exchange
    /// 2013 case, not MTA-STS's 4.7.5), NoCredentials/UnknownCredentials, or KB 4495258's wording.
    /// </summary>
    public bool PointsAtSendConnectorCertificate =>
        !Says("PRX5") && !Says("MTA-STS")
        && (Has("4.7.5") || TlsErrorIs("NoCredentials", "UnknownCredentials") || Says("TlsCertificateName of the SendConnector"));

    public bool TlsErrorIs(params string[] errors) => TlsError is not null && errors.Any(e => e.Equals(TlsError, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// LRT as written. Exchange Online writes it in US form in the tenant's time zone, on-premises queues
    /// in the server's locale; neither says which zone, so callers get the clock reading, not an instant.
    /// </summary>
    public DateTime? LastRetryClock =>
        Reason.LastRetryTime is { } lrt
        && (DateTime.TryParse(lrt, CultureInfo.GetCultureInfo("en-US"), DateTimeStyles.None, out var us) || DateTime.TryParse(lrt, CultureInfo.InvariantCulture, DateTimeStyles.None, out us))
            ? DateTime.SpecifyKind(us, DateTimeKind.Unspecified)
            : null;
}
