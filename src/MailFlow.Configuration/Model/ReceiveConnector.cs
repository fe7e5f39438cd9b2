namespace MailFlow.Configuration.Model;

/// <summary>
/// A receive connector (New-/Set-ReceiveConnector). Property names, units and defaults are Exchange's;
/// the identity is <c>&lt;Server.Name&gt;\&lt;Name&gt;</c>.
/// </summary>
public sealed class ReceiveConnector
{
    public string Name { get; set; } = string.Empty;

    public TransportRole TransportRole { get; set; } = TransportRole.FrontendTransport;

    public bool Enabled { get; set; } = true;

    /// <summary><c>"0.0.0.0:25"</c>, <c>"[::]:25"</c>, or a specific local address and port.</summary>
    public List<string> Bindings { get; set; } = [];

    /// <summary>Single addresses, <c>a-b</c> ranges or CIDR blocks; the most specific match picks the connector.</summary>
    public List<string> RemoteIPRanges { get; set; } = [];

    /// <summary>Name in the banner and EHLO reply, and the name the STARTTLS certificate is looked up by. Null = server FQDN.</summary>
    public string? Fqdn { get; set; }

    /// <summary>Full 220 line text; null = <c>220 &lt;Fqdn&gt; Microsoft ESMTP MAIL Service ready at &lt;date&gt;</c>.</summary>
    public string? Banner { get; set; }

    public AuthMechanisms AuthMechanism { get; set; } = AuthMechanisms.Tls;

    public PermissionGroups PermissionGroups { get; set; } = PermissionGroups.None;

    public bool RequireTLS { get; set; }

    /// <summary><c>&lt;I&gt;issuer&lt;S&gt;subject</c> of the certificate to present; null = select by FQDN.</summary>
    public string? TlsCertificateName { get; set; }

    /// <summary>
    /// <c>domain:Capability[,Capability…]</c> entries (e.g. <c>mail.protection.outlook.com:AcceptCloudServicesMail</c>,
    /// as the Hybrid Configuration Wizard writes); stored and shown, grants nothing in MailFlow yet (decision 0025).
    /// </summary>
    public List<string> TlsDomainCapabilities { get; set; } = [];

    /// <summary>Bytes; Exchange's default is 36 MB (37,748,736 bytes).</summary>
    public long MaxMessageSize { get; set; } = 37_748_736;

    public int MaxRecipientsPerMessage { get; set; } = 200;

    public TimeSpan ConnectionTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan ConnectionInactivityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public int MaxInboundConnection { get; set; } = 5000;

    public int MaxInboundConnectionPerSource { get; set; } = 20;

    public ProtocolLoggingLevel ProtocolLoggingLevel { get; set; } = ProtocolLoggingLevel.None;

    /// <summary>Protocol errors (bad commands, bad sequence) before the connection is closed with 421.</summary>
    public int MaxProtocolErrors { get; set; } = 5;

    /// <summary>Failed AUTH attempts before the connection is closed.</summary>
    public int MaxLogonFailures { get; set; } = 3;

    /// <summary>Delay before answering a failed AUTH (slows password guessing).</summary>
    public TimeSpan AuthTarpitInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delay before answering a refused recipient (slows directory harvesting).</summary>
    public TimeSpan TarpitInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Received headers a message may already carry; more is a mail loop (554 5.4.6).</summary>
    public int MaxHopCount { get; set; } = 60;

    /// <summary>MailFlow extension: TLS from the first byte (port 465 "SMTPS" style) instead of STARTTLS.</summary>
    public bool ImplicitTls { get; set; }
}
