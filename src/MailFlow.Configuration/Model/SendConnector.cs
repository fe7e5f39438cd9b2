using MailFlow.Certificates.Validation;

namespace MailFlow.Configuration.Model;

/// <summary>A send connector (New-/Set-SendConnector); names and defaults are Exchange's.</summary>
public sealed class SendConnector
{
    public string Name { get; set; } = string.Empty;

    public bool Enabled { get; set; } = true;

    /// <summary><c>"*"</c>, <c>"contoso.com"</c>, <c>"*.contoso.com"</c>, optionally <c>"SMTP:contoso.com;1"</c> with a cost.</summary>
    public List<string> AddressSpaces { get; set; } = [];

    public bool DNSRoutingEnabled { get; set; } = true;

    /// <summary>Host names or IP literals; MailFlow also accepts <c>host:port</c>. Requires DNSRoutingEnabled false.</summary>
    public List<string> SmartHosts { get; set; } = [];

    public int Port { get; set; } = 25;

    /// <summary>Resolve MX and host names with Set-TransportService -ExternalDNSServers instead of the host's resolvers.</summary>
    public bool UseExternalDNSServersEnabled { get; set; }

    /// <summary>Messages sent over one connection before it is closed and a new one opened (Exchange default 20).</summary>
    public int SmtpMaxMessagesPerConnection { get; set; } = 20;

    public bool RequireTLS { get; set; }

    /// <summary>Needs RequireTLS; null means opportunistic TLS without certificate checks.</summary>
    public TlsAuthLevel? TlsAuthLevel { get; set; }

    /// <summary>The name the receiver's certificate must carry under DomainValidation; <c>*.contoso.com</c> covers subdomains.</summary>
    public string? TlsDomain { get; set; }

    /// <summary>The client certificate to present, <c>&lt;I&gt;issuer&lt;S&gt;subject</c>.</summary>
    public string? TlsCertificateName { get; set; }

    /// <summary>EHLO name; null = server FQDN.</summary>
    public string? Fqdn { get; set; }

    public ProtocolLoggingLevel ProtocolLoggingLevel { get; set; } = ProtocolLoggingLevel.None;
}
