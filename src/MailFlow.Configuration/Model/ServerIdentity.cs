using MailFlow.Logs;

namespace MailFlow.Configuration.Model;

/// <summary>The server this data directory is (Get-ExchangeServer Name and Fqdn).</summary>
public sealed class ServerIdentity
{
    /// <summary>Short name, e.g. <c>SERVER1</c>; prefixes connector identities (<c>SERVER1\Default Frontend SERVER1</c>).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Fully qualified name, e.g. <c>SERVER1.domain.com</c>; the fallback for connector Fqdn.</summary>
    public string Fqdn { get; set; } = string.Empty;

    /// <summary>
    /// The Exchange release this server's logs are written as (the tracking log's #Version, schema-version
    /// and field list; docs/decisions/0022). Exchange 2016 by default: the layout DOC-MT documents.
    /// </summary>
    public ExchangeVersion ExchangeVersion { get; set; } = ExchangeVersion.Exchange2016;
}
