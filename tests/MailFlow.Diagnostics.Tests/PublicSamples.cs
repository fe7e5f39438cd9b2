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

    /// <summary>
    /// Microsoft Q&amp;A 2195248, HCW validation, quoted with typographic quotes and a partly redacted LastAttemptedIP, as published.
    /// https://learn.microsoft.com/en-us/answers/questions/2195248/cannot-validate-exchange-hybrid-config-due-to-expi
    /// </summary>
    public const string QaExpiredTypographic = "\u201C450 4.4.317 Cannot connect to remote server [Message=CertificateExpired Expected Subject: email.domain.com. Presented Subject: CN=email.domain.com. Thumbprint: 94E711DD84BC285CD2911DAC3D0C9E3ABB29671E.] [LastAttemptedServerName=email.domain.com] [LastAttemptedIP=x.147.128.25:25] [SmtpSecurity=-1;-1] [DM6NAM11FT035.eop-nam11.prod.protection.outlook.com 2025-01-04T16:37:07.429Z 08DD2CB85E2FE9DB]\u201D";

    /// <summary>The same thread's answer: a nested TLS failure (ConnectionAborted) after the firewall's certificate was fixed.</summary>
    public const string QaConnectionAborted = "450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS negotiation failed with error ConnectionAborted] [LastAttemptedServerName=email.domain.com] [LastAttemptedIP=x.147.128.25:25] [SmtpSecurity=-2;-2] [CO1NAM11FT009.eop-nam11.prod.protection.outlook.com 2025-01-08T20:32:00.975Z 08DD2F9B58D61006]";

    /// <summary>
    /// Microsoft Q&amp;A 1187616: a message trace reason cut off inside MSG, the trailer glued onto it, values redacted as xxx.
    /// https://learn.microsoft.com/en-us/answers/questions/1187616/lost-connectivity-between-exchange-2013-on-prem-an
    /// </summary>
    public const string QaSocketErrorCutInMsg = "Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS negotiation failed with error SocketError] [LastAttemptedServerName=xxx] [LastAttemptedIP=xxx] [SmtpSecurity=-2;-2] [DM6NAM12FT012.eop-nam12.prod.protection.outlook.com 2023-03-07T18:46:06.378Z 08DB1DF24DB12D84]};{MSG=4. OutboundProxyTargetIP: xxx. OutboundProxyTargetHostName: xxx";

    /// <summary>
    /// Microsoft Japan's Exchange blog (github.com/jpmessaging/blog, 2025-06-09 translation of BLOG-HYB25,
    /// techcommunity.microsoft.com/blog/exchange/tls-certificates-in-exchange-hybrid---common-issues--how-to-fix-them/4420592):
    /// a table cell with HTML line breaks, a markdown escape, the EOP server group cut off at "[BN7." and the trailer glued on.
    /// </summary>
    public const string JpBlogTableCell = "Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch Expected<br><br>Subject: \\*.contoso.com. Presented Subject: CN=ExchangeServer01. Thumbprint:<br><br>D0AC2FC63B9C5798828B45D849BE8D33.] [LastAttemptedServerName=mail.contoso.com]<br><br>[LastAttemptedIP=72.x.x.x.:25] [SmtpSecurity=-1;-1] [BN7. OutboundProxyTargetIP:<br><br>72.x.x.x. OutboundProxyTargetHostName: mail.contoso.com";

    /// <summary>The same post: 5.7.51 with the EOP group after a line break and the extra {[ … ]} wrapper.</summary>
    public const string JpBlogAttribution = "{[{LED=550 5.7.51 TenantInboundAttribution; There is a partner connector configured that matched the message's recipient domain. The connector had either the RestrictDomainsToIPAddresses or RestrictDomainsToCertificate set<br>[CH3PEPF00000016.namprd21.prod.outlook.com 2025-01-29T19:07:30.476Z 08DD3FA5DBC8F401]};{MSG=};{FQDN=contoso-mail-onmicrosoft-com.mail.protection.outlook.com};{IP=52.101.194.15};{LRT=1/29/2025 7:07:29 PM}]}";

    /// <summary>
    /// A forum post (2020-12-10, "Some email being rejected"): the NDR line quoting the reply in ASCII single quotes, the EOP group without time or id.
    /// </summary>
    public const string ForumStartTlsRequired = "12/9/2020 9:47:12 PM - Server at steinmetznet.com (50.251.172.148) returned '450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail] [LastAttemptedServerName=steinmetznet.com] [LastAttemptedIP=50.251.172.148:25] [MW2NAM12FT041.eop-nam12.prod.protection.outlook.com](451 5.7.3 STARTTLS is required to send mail)'";

    public static IReadOnlyList<string> All { get; } = [QaExpiredTypographic, QaConnectionAborted, QaSocketErrorCutInMsg, JpBlogTableCell, JpBlogAttribution, ForumStartTlsRequired, S01, S08Validation, S08Event, S21SendConnector, S21NoCredentials, S10Queue, S10StartTls, S11, S16Refused, S16UntrustedRoot, S16Expired, OnPremisesLastError, Wrapper, RmilnePrefix];
}
