namespace MailFlow.Diagnostics.Tests;

/// <summary>Reason strings exactly as published (root-causes.md §5, exchange-semantics.md §5); redactions are the publishers'.</summary>
public static class PublicSamples
{
    /// <summary>S01, the seed article (BLOG-CASE).</summary>
    public const string S01 = "Reason: [{LED=450 4.7.320 Certificate validation failed};{MSG=SubjectMismatch};{FQDN=hybrid.domain.com};{IP=###.###.###.###};{LRT=4/14/2017 1:07:17 PM}]. OutboundProxyTargetIP: ###.###.###.###. OutboundProxyTargetHostName: hybrid.domain.com";

    /// <summary>S08, connector validation after a stale TlsCertificateName (KB 2989382), markdown escapes as published.</summary>
    public const string S08Validation = "450 4.4.101 Proxy session setup failed on Frontend with '451 4.4.0 Primary target IP address responded with \"451 5.7.3 STARTTLS is required to send mail.\" Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed to all alternate hosts. The last endpoint attempted was \\<endpoint>'.";

    /// <summary>S08, event 12014's description.</summary>
    public const string S08Event = "Microsoft Exchange could not find a certificate that contains the domain name \\<I>CN=Certificate Name, OU=\\<CertificateIssuer>, O=Certificate Provider, C=US\\<S>CN=`mail.contoso.com`, OU=IT, O=contoso, L=location, S=location, C=US in the personal store on the local computer.";

    /// <summary>S09/S21, the send connector without its certificate (KB 4495258).</summary>
    public const string S21SendConnector = "454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found.";

    public const string S21NoCredentials = "TLS negotiation failed with error NoCredentials.";

    /// <summary>S10, TLS 1.0/1.1 against Exchange Online.</summary>
    public const string S10Queue = "421 4.4.2 Connection dropped due to SocketError";

    public const string S10StartTls = "451 5.7.3 Must issue a STARTTLS command first";

    /// <summary>S11, Exchange 2013 ≤ CU8 after the 2016 certificate change.</summary>
    public const string S11 = "451 4.7.0 Temporary server error. Please try again later. PRX5";

    /// <summary>S16, Exchange Online NDR dictionary rows.</summary>
    public const string S16Refused = "4.4.316 Connection refused [Message=Socket error code 10061]";

    public const string S16UntrustedRoot = "450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot]";

    public const string S16Expired = "4.7.322 certificate-expired: Destination mail server's certificate is expired.";

    /// <summary>exchange-semantics.md §5.4: an on-premises queue LastError, truncated as published.</summary>
    public const string OnPremisesLastError = "LastError : [{LRT=15-01-21 23:50:05};{LED=450 4.7.0 Proxy session setup failed on Frontend with '451 4.4.0 Primary target IP address responded with: \"451 4.4.0 Security status InvalidToken.\" Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed to all alternate hosts. The last endpoint attempted was 2a0X:...:25'};{FQDN=MAILSERVER.DOM...";

    /// <summary>exchange-semantics.md §5.4: the 4.4.395 wrapper.</summary>
    public const string Wrapper = "451 4.4.395 Target host responded with error. -> 451 5.7.3 STARTTLS is required to send mail";

    /// <summary>The rmilne prefix (RC21), cut off as published.</summary>
    public const string RmilnePrefix = "Reason: [{LED=450 4.4.316 Connection r";

    public static IReadOnlyList<string> All { get; } = [S01, S08Validation, S08Event, S21SendConnector, S21NoCredentials, S10Queue, S10StartTls, S11, S16Refused, S16UntrustedRoot, S16Expired, OnPremisesLastError, Wrapper, RmilnePrefix];
}
