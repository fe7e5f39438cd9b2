namespace MailFlow.Configuration.Model;

/// <summary>
/// The one configuration document of a data directory (<c>config.json</c>). <see cref="Revision"/> is
/// incremented by every save and is how concurrent writers detect each other.
/// </summary>
public sealed class MailFlowConfiguration
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    public long Revision { get; set; }

    public ServerIdentity Server { get; set; } = new();

    public List<AcceptedDomain> AcceptedDomains { get; set; } = [];

    public List<ReceiveConnector> ReceiveConnectors { get; set; } = [];

    public List<SendConnector> SendConnectors { get; set; } = [];

    public TransportSettings Transport { get; set; } = new();

    public TlsSettings Tls { get; set; } = new();

    public RecipientFilterSettings RecipientFilter { get; set; } = new();

    /// <summary>The local mailboxes (New-Mailbox). postmaster of each Authoritative domain exists without being listed.</summary>
    public List<Mailbox> Mailboxes { get; set; } = [];

    public MetricsSettings Metrics { get; set; } = new();

    public ListenerSettings Listening { get; set; } = new();

    /// <summary>Host name → IP address used instead of DNS (a lab pointing hybrid.domain.com at 127.0.0.1).</summary>
    public Dictionary<string, string> HostsOverride { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Exchange's receive connector identity, <c>SERVER1\Default Frontend SERVER1</c>.</summary>
    public string IdentityOf(ReceiveConnector connector)
    {
        ArgumentNullException.ThrowIfNull(connector);
        return $"{Server.Name}\\{connector.Name}";
    }

    /// <summary>The connector's Fqdn, else the server FQDN.</summary>
    public string EffectiveFqdn(ReceiveConnector connector)
    {
        ArgumentNullException.ThrowIfNull(connector);
        return string.IsNullOrWhiteSpace(connector.Fqdn) ? Server.Fqdn : connector.Fqdn;
    }

    /// <summary>Finds a receive connector by <c>SERVER\Name</c> or by bare name (any case), as Get-ReceiveConnector does.</summary>
    public ReceiveConnector? FindReceiveConnector(string identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var name = identity;
        var slash = identity.IndexOf('\\', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!string.Equals(identity[..slash], Server.Name, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            name = identity[(slash + 1)..];
        }

        return ReceiveConnectors.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    public SendConnector? FindSendConnector(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return SendConnectors.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
    }
}
