using System.Globalization;
using MailFlow.Certificates.Names;
using MailFlow.Certificates.Trust;

namespace MailFlow.Certificates.Validation;

/// <summary>One reason a presented certificate fails the required level.</summary>
public sealed record TlsValidationFailure(ExchangeTlsToken Token, string Detail);

/// <summary>
/// Result of validating a presented certificate the way an Exchange (Online) sender does, with the
/// exact texts such a sender reports.
/// </summary>
public sealed record OutboundValidationOutcome
{
    /// <summary>The enhanced status text Exchange Online's older traces carry in LED.</summary>
    public const string LegacyLastErrorDetail = "450 4.7.320 Certificate validation failed";

    /// <summary>The prefix newer Exchange Online traces use for the same failures.</summary>
    public const string BracketLastErrorPrefix = "450 4.4.317 Cannot connect to remote server";

    public required TlsAuthLevel Level { get; init; }

    public bool Passed => Failures.Count == 0;

    /// <summary>Failures in the order Exchange reports them: name first (the seed case shows SubjectMismatch for a cert that is also untrusted), then chain, then time.</summary>
    public required IReadOnlyList<TlsValidationFailure> Failures { get; init; }

    public ExchangeTlsToken? Token => Failures.Count > 0 ? Failures[0].Token : null;

    /// <summary>The RFC 8460 result type; a not-yet-valid certificate is a plain validation-failure, not certificate-expired.</summary>
    public string? TlsRptResult => Token is null ? null
        : TlsRptResultTypeText.Format(Token == ExchangeTlsToken.NotTimeValid && Expired == false ? TlsRptResultType.ValidationFailure : Token.TlsRptResult);

    /// <summary>The expected name (TlsDomain, else the recipient domain) — null unless DomainValidation.</summary>
    public string? ExpectedName { get; init; }

    public required string PresentedSubject { get; init; }

    public required string PresentedIssuer { get; init; }

    public required string Thumbprint { get; init; }

    public required IReadOnlyList<string> PresentedNames { get; init; }

    public NameMatchResult? NameMatch { get; init; }

    public required ChainReport Chain { get; init; }

    /// <summary>Whether the leaf is expired (true) or not yet valid (false); null when time-valid.</summary>
    public bool? Expired { get; init; }

    /// <summary>
    /// The older Exchange Online message-trace reason (the seed's format):
    /// <c>[{LED=450 4.7.320 Certificate validation failed};{MSG=SubjectMismatch};{FQDN=…};{IP=…};{LRT=M/d/yyyy h:mm:ss tt}]</c>.
    /// </summary>
    public string FormatBraceReason(string targetHost, string? targetIp, DateTimeOffset lastRetryTimeUtc)
    {
        EnsureFailed();
        var lrt = lastRetryTimeUtc.UtcDateTime.ToString("M/d/yyyy h:mm:ss tt", CultureInfo.InvariantCulture);
        return $"[{{LED={LegacyLastErrorDetail}}};{{MSG={Token!.Name}}};{{FQDN={targetHost}}};{{IP={targetIp}}};{{LRT={lrt}}}]";
    }

    /// <summary>
    /// The newer form: <c>450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch Expected Subject: x. Presented Subject: y. Thumbprint: z.] [LastAttemptedServerName=…] [LastAttemptedIP=ip:port]</c>.
    /// </summary>
    public string FormatBracketReason(string targetHost, string? targetEndpoint)
    {
        EnsureFailed();
        var expected = ExpectedName ?? targetHost;
        var message = $"{Token!.Name} Expected Subject: {expected}. Presented Subject: {PresentedSubject}. Thumbprint: {Thumbprint}.";
        var text = $"{BracketLastErrorPrefix} [Message={message}] [LastAttemptedServerName={targetHost}]";
        return targetEndpoint is null ? text : text + $" [LastAttemptedIP={targetEndpoint}]";
    }

    private void EnsureFailed()
    {
        if (Passed)
        {
            throw new InvalidOperationException("the certificate passed validation; there is no failure text");
        }
    }
}
