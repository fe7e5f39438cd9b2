namespace MailFlow.Diagnostics.Reasons;

/// <summary>Which published layout a reason string was recognised as (exchange-semantics.md §5).</summary>
public enum ReasonFormat
{
    /// <summary>Nothing recognisable: only the parts listed in <see cref="ParsedReason.Unparsed"/>.</summary>
    Unknown,

    /// <summary>Exchange Online message trace, <c>[{LED=…};{MSG=…};{FQDN=…};{IP=…};{LRT=…}]</c>.</summary>
    ExchangeOnlineBrace,

    /// <summary>Exchange Online's newer <c>450 4.4.317 Cannot connect to remote server [Message=…] [LastAttemptedServerName=…] …</c>.</summary>
    ExchangeOnlineBracket,

    /// <summary>On-premises Get-Queue LastError: the brace list with LRT first (labels possibly localised).</summary>
    OnPremisesQueue,

    /// <summary>A bare SMTP reply or NDR diagnostic line, <c>550 4.4.7 QUEUE.Expired; message expired</c>.</summary>
    SmtpReply,

    /// <summary>A Windows event text (12014, …) or a protocol-log line with no status code.</summary>
    EventText,
}

/// <summary>Everything a reason string says, each part optional because published strings are often truncated or redacted.</summary>
public sealed record ParsedReason
{
    public required string Input { get; init; }

    public ReasonFormat Format { get; init; }

    /// <summary>The reply code, e.g. 450.</summary>
    public int? SmtpCode { get; init; }

    /// <summary>The enhanced status code, e.g. 4.7.320.</summary>
    public string? EnhancedCode { get; init; }

    /// <summary>The reply text after the codes, without bracket groups.</summary>
    public string? Text { get; init; }

    /// <summary>MSG item or the token that opens <c>[Message=…]</c> (SubjectMismatch, UntrustedRoot, …).</summary>
    public string? Token { get; init; }

    public string? ExpectedSubject { get; init; }

    public string? PresentedSubject { get; init; }

    public string? Thumbprint { get; init; }

    /// <summary>FQDN item or LastAttemptedServerName.</summary>
    public string? TargetHost { get; init; }

    /// <summary>IP item or LastAttemptedIP (possibly with :port); null when redacted or absent.</summary>
    public string? TargetAddress { get; init; }

    /// <summary>LRT as written (US format for Exchange Online, the server's locale on premises).</summary>
    public string? LastRetryTime { get; init; }

    public string? OutboundProxyTargetIP { get; init; }

    public string? OutboundProxyTargetHostName { get; init; }

    /// <summary>SmtpSecurity=a;b as written (meaning undocumented; recorded, not interpreted).</summary>
    public string? SmtpSecurity { get; init; }

    /// <summary>The EOP server, time and session id group at the end of newer reasons.</summary>
    public string? ExchangeOnlineServer { get; init; }

    /// <summary>A reply from the next hop carried inside this one (<c>[Message=451 5.7.3 …]</c>, <c>-&gt; 451 …</c>, <c>responded with "…"</c>).</summary>
    public ParsedReason? Nested { get; init; }

    /// <summary>
    /// A TLS error name wherever the reason carries one: <c>TLS negotiation failed with error NoCredentials</c>,
    /// <c>Security status InvalidToken</c>, <c>TlsNegotiationFailed</c>, or an SSPI/socket status
    /// (SocketError, ConnectionReset, …) said in a TLS context or as "Connection dropped due to X".
    /// </summary>
    public string? TlsError { get; init; }

    /// <summary>The text ends inside an item or a group: values may be cut short.</summary>
    public bool Truncated { get; init; }

    /// <summary>Values written as runs of x, # or *: the publisher removed them.</summary>
    public IReadOnlyList<string> Redacted { get; init; } = [];

    /// <summary>Pieces the parser saw but could not place, so the user knows what was not understood.</summary>
    public IReadOnlyList<string> Unparsed { get; init; } = [];

    /// <summary>
    /// Fields the parser found but could not read, each naming the field and why ("LastAttemptedIP cut off:
    /// '10.0.'", "MSG runs into OutboundProxyTargetIP"). Their typed properties stay empty rather than
    /// holding half a value, so correlation never matches on a fragment.
    /// </summary>
    public IReadOnlyList<string> Unreadable { get; init; } = [];

    /// <summary>The innermost enhanced code (the next hop's own reply wins over the wrapper's).</summary>
    public string? InnermostEnhancedCode => Nested?.InnermostEnhancedCode ?? EnhancedCode;
}
