using MailFlow.Certificates.Validation;

namespace MailFlow.Transport.Delivery;

/// <summary>The result of one delivery attempt of one message to one send connector's next hop.</summary>
public sealed record OutboundAttempt
{
    /// <summary>Per recipient: the remote reply, and whether it is final (2xx or 5xx) or a deferral.</summary>
    public required IReadOnlyDictionary<string, RecipientOutcome> Recipients { get; init; }

    /// <summary>Exchange's LastErrorDetail for a failed attempt, e.g. <c>450 4.7.320 Certificate validation failed</c>.</summary>
    public string? LastErrorDetail { get; init; }

    /// <summary>The whole reason in Exchange Online's form when the attempt failed before any recipient was answered.</summary>
    public string? Reason { get; init; }

    public OutboundValidationOutcome? Validation { get; init; }

    public string? TargetHost { get; init; }

    public string? TargetAddress { get; init; }

    /// <summary>The local address of the connection that carried the message; null when none was opened.</summary>
    public string? LocalAddress { get; init; }

    /// <summary>The SmtpSend session id of that connection.</summary>
    public string? SessionId { get; init; }

    /// <summary>No session could be opened (DNS, TCP, TLS policy): the destination, not this message, is the problem.</summary>
    public bool ConnectionFailed { get; init; }

    /// <summary>The connection broke during the transaction (no reply, or the server closed it).</summary>
    public bool ConnectionLost { get; init; }

    /// <summary>Every recipient gets the same answer: the attempt failed before the message was offered.</summary>
    public static OutboundAttempt AllRecipients(IEnumerable<string> recipients, OutboundFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new OutboundAttempt
        {
            Recipients = recipients.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(r => r, _ => new RecipientOutcome(false, failure.Permanent, failure.Detail), StringComparer.OrdinalIgnoreCase),
            LastErrorDetail = failure.Detail,
            Reason = failure.Reason,
            Validation = failure.Validation,
            TargetHost = failure.TargetHost,
            TargetAddress = failure.TargetAddress,
            ConnectionFailed = true,
        };
    }
}

public sealed record RecipientOutcome(bool Delivered, bool Permanent, string Status);

/// <summary>Why no session could be opened to a destination: DNS, TCP, TLS policy or the greeting.</summary>
public sealed record OutboundFailure(string Detail, bool Permanent, string? TargetHost, string? TargetAddress)
{
    /// <summary>Exchange Online's whole reason text (certificate failures), else null and the detail stands alone.</summary>
    public string? Reason { get; init; }

    public OutboundValidationOutcome? Validation { get; init; }
}

/// <summary>Which Exchange Online reason layout deferrals are written in (exchange-semantics.md §5).</summary>
public enum ReasonFormat
{
    /// <summary><c>[{LED=…};{MSG=…};{FQDN=…};{IP=…};{LRT=…}]</c>, the seed's form.</summary>
    Brace,

    /// <summary><c>450 4.4.317 Cannot connect to remote server [Message=…] [LastAttemptedServerName=…] [LastAttemptedIP=…]</c>.</summary>
    Bracket,
}
