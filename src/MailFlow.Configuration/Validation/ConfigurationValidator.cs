using System.Net;
using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Names;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Recipients;
using MailFlow.Core.Net;

namespace MailFlow.Configuration.Validation;

/// <summary>
/// The checks the Exchange cmdlets make, applied to the whole document: what Set-ReceiveConnector or
/// Set-SendConnector would refuse, MailFlow refuses at load and at save.
/// </summary>
public static class ConfigurationValidator
{
    /// <summary>Allowed (Exchange allows it), but said every time an admin makes or keeps it so.</summary>
    public const string PlaintextAuthWarning =
        "BasicAuth without BasicAuthRequireTLS offers AUTH before STARTTLS: passwords cross the network in plaintext, and an authenticated session may relay";

    public static IReadOnlyList<ConfigurationIssue> Validate(MailFlowConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var issues = new Issues();
        if (configuration.SchemaVersion != MailFlowConfiguration.CurrentSchemaVersion)
        {
            issues.Error("$.SchemaVersion", $"schema version {configuration.SchemaVersion} is not supported (this MailFlow reads version {MailFlowConfiguration.CurrentSchemaVersion})");
        }

        ValidateServer(configuration.Server, issues);
        ValidateAcceptedDomains(configuration.AcceptedDomains, issues);
        for (var i = 0; i < configuration.ReceiveConnectors.Count; i++)
        {
            ValidateReceiveConnector(configuration.ReceiveConnectors[i], $"$.ReceiveConnectors[{i}]", issues);
        }

        Unique(configuration.ReceiveConnectors.Select(c => c.Name), "$.ReceiveConnectors", "receive connector", issues);
        ValidateSharedBindings(configuration.ReceiveConnectors, issues);
        for (var i = 0; i < configuration.SendConnectors.Count; i++)
        {
            ValidateSendConnector(configuration.SendConnectors[i], $"$.SendConnectors[{i}]", issues);
        }

        Unique(configuration.SendConnectors.Select(c => c.Name), "$.SendConnectors", "send connector", issues);
        ValidateTransport(configuration.Transport, issues);
        ValidateTls(configuration.Tls, issues);
        ValidateRecipientFilter(configuration, issues);
        ValidateMailboxes(configuration, issues);
        if (!IPEndPoint.TryParse(configuration.Metrics.PrometheusEndpoint, out var metrics) || metrics.Port == 0)
        {
            issues.Error("$.Metrics.PrometheusEndpoint", $"\"{configuration.Metrics.PrometheusEndpoint}\" is not ip:port");
        }

        // Checked whether or not the export is on, as PrometheusEndpoint is: turning it on later must not meet a bad URL.
        if (!Uri.TryCreate(configuration.Metrics.OtlpEndpoint, UriKind.Absolute, out var otlp) || otlp.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(otlp.Query) || !string.IsNullOrEmpty(otlp.Fragment) || !string.IsNullOrEmpty(otlp.UserInfo))
        {
            issues.Error("$.Metrics.OtlpEndpoint", $"\"{configuration.Metrics.OtlpEndpoint}\" is not an http:// or https:// URL of an OTLP/HTTP collector (e.g. http://127.0.0.1:4318), without query, fragment or credentials");
        }
        foreach (var (host, address) in configuration.HostsOverride)
        {
            if (!IPAddress.TryParse(address, out _))
            {
                issues.Error($"$.HostsOverride.{host}", $"\"{address}\" is not an IP address");
            }
        }

        if (configuration.Listening.UnprivilegedPortOffset is < 0 or > 64000)
        {
            issues.Error("$.Listening.UnprivilegedPortOffset", $"{configuration.Listening.UnprivilegedPortOffset} is out of range (0–64000)");
        }

        return issues.All;
    }

    private static void ValidateServer(ServerIdentity server, Issues issues)
    {
        if (string.IsNullOrWhiteSpace(server.Name) || server.Name.Length > 63 || !server.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            issues.Error("$.Server.Name", $"\"{server.Name}\" is not a server name (letters, digits and hyphens, at most 63)");
        }

        HostName(server.Fqdn, "$.Server.Fqdn", issues, required: true);
    }

    private static void ValidateAcceptedDomains(List<AcceptedDomain> domains, Issues issues)
    {
        for (var i = 0; i < domains.Count; i++)
        {
            var path = $"$.AcceptedDomains[{i}]";
            if (!ReferenceIdentifier.TryParse(domains[i].DomainName, allowSubdomainPattern: true, out var id, out var error) || id!.Kind == ReferenceKind.IpAddress)
            {
                issues.Error(path + ".DomainName", error ?? $"\"{domains[i].DomainName}\" is an address, not a domain");
            }

            if (string.IsNullOrWhiteSpace(domains[i].Name))
            {
                issues.Error(path + ".Name", "is empty");
            }
        }

        Unique(domains.Select(d => d.DomainName), "$.AcceptedDomains", "accepted domain", issues);
        Unique(domains.Select(d => d.Name), "$.AcceptedDomains", "accepted domain name", issues);
        if (domains.Count(d => d.Default) > 1)
        {
            issues.Error("$.AcceptedDomains", "more than one accepted domain is marked Default");
        }
    }

    private static void ValidateReceiveConnector(ReceiveConnector c, string path, Issues issues)
    {
        if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Contains('\\', StringComparison.Ordinal) || c.Name.Length > 64)
        {
            issues.Error(path + ".Name", $"\"{c.Name}\" is not a connector name (1–64 characters, no backslash)");
        }

        if (c.Bindings.Count == 0)
        {
            issues.Error(path + ".Bindings", "at least one binding (address:port) is required");
        }

        for (var i = 0; i < c.Bindings.Count; i++)
        {
            if (!TryBinding(c.Bindings[i], out _))
            {
                issues.Error($"{path}.Bindings[{i}]", $"\"{c.Bindings[i]}\" is not an address:port binding such as 0.0.0.0:25 or [::]:25");
            }
        }

        if (c.RemoteIPRanges.Count == 0)
        {
            issues.Error(path + ".RemoteIPRanges", "at least one range is required");
        }

        for (var i = 0; i < c.RemoteIPRanges.Count; i++)
        {
            if (!IPRange.TryParse(c.RemoteIPRanges[i], out _, out var error))
            {
                issues.Error($"{path}.RemoteIPRanges[{i}]", error!);
            }
        }

        HostName(c.Fqdn, path + ".Fqdn", issues, required: false);
        var auth = c.AuthMechanism;
        if (auth.HasFlag(AuthMechanisms.BasicAuthRequireTLS) && !(auth.HasFlag(AuthMechanisms.BasicAuth) && auth.HasFlag(AuthMechanisms.Tls)))
        {
            issues.Error(path + ".AuthMechanism", "BasicAuthRequireTLS also requires BasicAuth and Tls");
        }

        if (auth.HasFlag(AuthMechanisms.BasicAuth) && !auth.HasFlag(AuthMechanisms.BasicAuthRequireTLS))
        {
            issues.Warning(path + ".AuthMechanism", PlaintextAuthWarning);
        }

        if (auth.HasFlag(AuthMechanisms.ExternalAuthoritative))
        {
            if ((auth & ~(AuthMechanisms.ExternalAuthoritative | AuthMechanisms.Tls)) != AuthMechanisms.None)
            {
                issues.Error(path + ".AuthMechanism", "ExternalAuthoritative can only be combined with Tls");
            }

            if (!c.PermissionGroups.HasFlag(PermissionGroups.ExchangeServers))
            {
                issues.Error(path + ".PermissionGroups", "ExternalAuthoritative requires the ExchangeServers permission group");
            }
        }

        if (c.RequireTLS && !auth.HasFlag(AuthMechanisms.Tls))
        {
            issues.Error(path + ".RequireTLS", "RequireTLS needs Tls in AuthMechanism");
        }

        TlsCertificateName(c.TlsCertificateName, path + ".TlsCertificateName", issues);
        if (!Model.TlsDomainCapabilities.TryGroup(c.TlsDomainCapabilities, out _, out var capabilitiesError))
        {
            issues.Error(path + ".TlsDomainCapabilities", capabilitiesError!);
        }

        Range(c.MaxMessageSize, 65_536, 2_147_483_647, path + ".MaxMessageSize", issues);
        Range(c.MaxRecipientsPerMessage, 1, 512_000, path + ".MaxRecipientsPerMessage", issues);
        Range(c.ConnectionTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), path + ".ConnectionTimeout", issues);
        Range(c.ConnectionInactivityTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), path + ".ConnectionInactivityTimeout", issues);
        if (c.ConnectionInactivityTimeout >= c.ConnectionTimeout)
        {
            issues.Error(path + ".ConnectionInactivityTimeout", $"{c.ConnectionInactivityTimeout} must be less than ConnectionTimeout ({c.ConnectionTimeout})");
        }

        Range(c.MaxInboundConnection, 1, int.MaxValue, path + ".MaxInboundConnection", issues);
        Range(c.MaxInboundConnectionPerSource, 1, Math.Max(1, c.MaxInboundConnection), path + ".MaxInboundConnectionPerSource", issues);
        Range(c.MaxProtocolErrors, 1, 1000, path + ".MaxProtocolErrors", issues);
        Range(c.MaxLogonFailures, 1, 100, path + ".MaxLogonFailures", issues);
        Range(c.MaxHopCount, 1, 500, path + ".MaxHopCount", issues);
        Range(c.AuthTarpitInterval, TimeSpan.Zero, TimeSpan.FromMinutes(10), path + ".AuthTarpitInterval", issues);
        Range(c.TarpitInterval, TimeSpan.Zero, TimeSpan.FromMinutes(10), path + ".TarpitInterval", issues);
        if (c.ImplicitTls && !auth.HasFlag(AuthMechanisms.Tls))
        {
            issues.Error(path + ".ImplicitTls", "ImplicitTls needs Tls in AuthMechanism");
        }
    }

    /// <summary>
    /// Connectors may share a local address and port only when their RemoteIPRanges let Exchange's
    /// "most specific match" rule decide: ranges that overlap must nest, and never be identical.
    /// </summary>
    private static void ValidateSharedBindings(List<ReceiveConnector> connectors, Issues issues)
    {
        for (var a = 0; a < connectors.Count; a++)
        {
            for (var b = a + 1; b < connectors.Count; b++)
            {
                if (!SharesBinding(connectors[a], connectors[b]))
                {
                    continue;
                }

                foreach (var ra in Ranges(connectors[a]))
                {
                    foreach (var rb in Ranges(connectors[b]))
                    {
                        if (!ra.Overlaps(rb))
                        {
                            continue;
                        }

                        if (ra.First == rb.First && ra.Last == rb.Last)
                        {
                            issues.Error($"$.ReceiveConnectors[{b}].RemoteIPRanges",
                                $"\"{rb}\" is also a RemoteIPRanges entry of \"{connectors[a].Name}\" on the same binding; the two connectors cannot be told apart");
                        }
                        else if (!ra.Contains(rb) && !rb.Contains(ra))
                        {
                            issues.Error($"$.ReceiveConnectors[{b}].RemoteIPRanges",
                                $"\"{rb}\" overlaps \"{ra}\" of \"{connectors[a].Name}\" on the same binding without one containing the other");
                        }
                    }
                }
            }
        }
    }

    private static bool SharesBinding(ReceiveConnector a, ReceiveConnector b)
    {
        foreach (var ba in a.Bindings)
        {
            foreach (var bb in b.Bindings)
            {
                if (TryBinding(ba, out var ea) && TryBinding(bb, out var eb) && ea!.Port == eb!.Port && ea.AddressFamily == eb.AddressFamily
                    && (ea.Address.Equals(eb.Address) || IsAny(ea.Address) || IsAny(eb.Address)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static IEnumerable<IPRange> Ranges(ReceiveConnector c) =>
        c.RemoteIPRanges.Select(r => IPRange.TryParse(r, out var range, out _) ? range : null).OfType<IPRange>();

    private static void ValidateSendConnector(SendConnector c, string path, Issues issues)
    {
        if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Length > 64)
        {
            issues.Error(path + ".Name", $"\"{c.Name}\" is not a connector name (1–64 characters)");
        }

        if (c.AddressSpaces.Count == 0)
        {
            issues.Error(path + ".AddressSpaces", "at least one address space is required (e.g. \"*\" or \"contoso.com\")");
        }

        for (var i = 0; i < c.AddressSpaces.Count; i++)
        {
            if (!AddressSpace.TryParse(c.AddressSpaces[i], out _, out var error))
            {
                issues.Error($"{path}.AddressSpaces[{i}]", error!);
            }
        }

        if (c.DNSRoutingEnabled && c.SmartHosts.Count > 0)
        {
            issues.Error(path + ".SmartHosts", "SmartHosts require DNSRoutingEnabled $false");
        }

        if (!c.DNSRoutingEnabled && c.SmartHosts.Count == 0)
        {
            issues.Error(path + ".SmartHosts", "DNSRoutingEnabled is $false, so at least one smart host is required");
        }

        for (var i = 0; i < c.SmartHosts.Count; i++)
        {
            if (!SmartHost.TryParse(c.SmartHosts[i], out _, out var error))
            {
                issues.Error($"{path}.SmartHosts[{i}]", error!);
            }
        }

        Range(c.Port, 1, 65_535, path + ".Port", issues);
        Range(c.SmtpMaxMessagesPerConnection, 1, 10_000, path + ".SmtpMaxMessagesPerConnection", issues);
        if (c.TlsAuthLevel is not null && !c.RequireTLS)
        {
            issues.Error(path + ".TlsAuthLevel", "TlsAuthLevel can only be set when RequireTLS is $true");
        }

        if (!string.IsNullOrEmpty(c.TlsDomain))
        {
            if (c.TlsAuthLevel != TlsAuthLevel.DomainValidation)
            {
                issues.Error(path + ".TlsDomain", "TlsDomain can only be set when TlsAuthLevel is DomainValidation");
            }

            if (!ReferenceIdentifier.TryParse(c.TlsDomain, allowSubdomainPattern: true, out _, out var error))
            {
                issues.Error(path + ".TlsDomain", error!);
            }
        }

        TlsCertificateName(c.TlsCertificateName, path + ".TlsCertificateName", issues);
        HostName(c.Fqdn, path + ".Fqdn", issues, required: false);
    }

    private static void ValidateTransport(TransportSettings t, Issues issues)
    {
        Range(t.QueueGlitchRetryCount, 0, 15, "$.Transport.QueueGlitchRetryCount", issues);
        Range(t.QueueGlitchRetryInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "$.Transport.QueueGlitchRetryInterval", issues);
        Range(t.TransientFailureRetryCount, 0, 15, "$.Transport.TransientFailureRetryCount", issues);
        Range(t.TransientFailureRetryInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(12), "$.Transport.TransientFailureRetryInterval", issues);
        Range(t.OutboundConnectionFailureRetryInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(20), "$.Transport.OutboundConnectionFailureRetryInterval", issues);
        Range(t.MessageRetryInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), "$.Transport.MessageRetryInterval", issues);
        Range(t.MessageExpirationTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromDays(90), "$.Transport.MessageExpirationTimeout", issues);
        Range(t.DelayNotificationTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30), "$.Transport.DelayNotificationTimeout", issues);
        if (t.DelayNotificationTimeout <= t.TransientFailureRetryInterval * t.TransientFailureRetryCount)
        {
            issues.Warning("$.Transport.DelayNotificationTimeout",
                $"{t.DelayNotificationTimeout} should exceed TransientFailureRetryCount × TransientFailureRetryInterval ({t.TransientFailureRetryInterval * t.TransientFailureRetryCount}), or senders are told of delays that transient retries would have fixed");
        }

        Range(t.MaxOutboundConnections, 1, 10_000, "$.Transport.MaxOutboundConnections", issues);
        Range(t.MaxPerDomainOutboundConnections, 1, t.MaxOutboundConnections, "$.Transport.MaxPerDomainOutboundConnections", issues);
        Range(t.MaxActiveMessages, 1, 100_000, "$.Transport.MaxActiveMessages", issues);
        for (var i = 0; i < t.ExternalDNSServers.Count; i++)
        {
            if (!IPEndPoint.TryParse(t.ExternalDNSServers[i], out _))
            {
                issues.Error($"$.Transport.ExternalDNSServers[{i}]", $"\"{t.ExternalDNSServers[i]}\" is not an IP address or IP:port");
            }
        }

        foreach (var (value, name) in new[] { (t.ReceiveProtocolLogPath, "ReceiveProtocolLogPath"), (t.SendProtocolLogPath, "SendProtocolLogPath"), (t.MessageTrackingLogPath, "MessageTrackingLogPath") })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                issues.Error("$.Transport." + name, "is empty");
            }
        }

        Range(t.ProtocolLogMaxFileSize, 1024, long.MaxValue, "$.Transport.ProtocolLogMaxFileSize", issues);
        Range(t.ProtocolLogMaxDirectorySize, t.ProtocolLogMaxFileSize, long.MaxValue, "$.Transport.ProtocolLogMaxDirectorySize", issues);
        Range(t.MessageTrackingLogMaxFileSize, 1024, long.MaxValue, "$.Transport.MessageTrackingLogMaxFileSize", issues);
        Range(t.MessageTrackingLogMaxDirectorySize, t.MessageTrackingLogMaxFileSize, long.MaxValue, "$.Transport.MessageTrackingLogMaxDirectorySize", issues);
    }

    private static void ValidateRecipientFilter(MailFlowConfiguration configuration, Issues issues)
    {
        if (configuration.RecipientFilter.Recipients is not null)
        {
            issues.Error("$.RecipientFilter.Recipients", "is replaced by Mailboxes (mailflow mailbox add / New-Mailbox); a configuration file that has it is converted when read");
        }

        if (configuration.RecipientFilter.RecipientValidationEnabled && configuration.Mailboxes.Count == 0
            && !configuration.AcceptedDomains.Any(d => d.CatchAllMailbox is not null))
        {
            issues.Warning("$.Mailboxes", "RecipientValidationEnabled is $true but no mailbox exists, so only postmaster can receive mail");
        }
    }

    /// <summary>
    /// A mailbox has a valid address in an Authoritative accepted domain (only those are delivered
    /// here, decision 0012), unique address and name; a catch-all names an existing mailbox.
    /// </summary>
    private static void ValidateMailboxes(MailFlowConfiguration configuration, Issues issues)
    {
        var resolver = new RecipientResolver(configuration);
        var addresses = new List<string>();
        for (var i = 0; i < configuration.Mailboxes.Count; i++)
        {
            var mailbox = configuration.Mailboxes[i];
            var path = $"$.Mailboxes[{i}]";
            if (string.IsNullOrWhiteSpace(mailbox.Name))
            {
                issues.Error(path + ".Name", "is empty");
            }

            if (!MailboxAddress.TryParse(mailbox.PrimarySmtpAddress, out var address, out var error))
            {
                issues.Error(path + ".PrimarySmtpAddress", $"\"{mailbox.PrimarySmtpAddress}\" is not a mailbox address: {error}");
                continue;
            }

            addresses.Add(address);
            var domain = address[(address.LastIndexOf('@') + 1)..];
            switch (resolver.AcceptedDomainOf(domain))
            {
                case null:
                    issues.Error(path + ".PrimarySmtpAddress", $"\"{mailbox.PrimarySmtpAddress}\": {domain} is not an accepted domain (accepted: {string.Join(", ", configuration.AcceptedDomains.Select(d => d.DomainName))})");
                    break;
                case { DomainType: not AcceptedDomainType.Authoritative } relay:
                    issues.Error(path + ".PrimarySmtpAddress", $"\"{mailbox.PrimarySmtpAddress}\": accepted domain {relay.DomainName} is {relay.DomainType}; mailboxes exist only in Authoritative domains, mail for the others is relayed");
                    break;
            }
        }

        Unique(addresses, "$.Mailboxes", "mailbox address", issues);
        Unique(configuration.Mailboxes.Select(m => m.Name), "$.Mailboxes", "mailbox name", issues);
        for (var i = 0; i < configuration.AcceptedDomains.Count; i++)
        {
            var domain = configuration.AcceptedDomains[i];
            if (domain.CatchAllMailbox is not { } catchAll)
            {
                continue;
            }

            var path = $"$.AcceptedDomains[{i}].CatchAllMailbox";
            if (domain.DomainType != AcceptedDomainType.Authoritative)
            {
                issues.Error(path, $"{domain.DomainName} is {domain.DomainType}: only an Authoritative domain delivers locally, so only it can have a catch-all");
            }
            else if (resolver.Resolve(catchAll) is not { Match: MailboxMatch.Mailbox or MailboxMatch.Postmaster })
            {
                issues.Error(path, $"\"{catchAll}\" is not an existing mailbox (add it first with mailflow mailbox add / New-Mailbox)");
            }
        }
    }

    private static void ValidateTls(TlsSettings tls, Issues issues)
    {
        for (var i = 0; i < tls.AdditionalRootFiles.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(tls.AdditionalRootFiles[i]))
            {
                issues.Error($"$.Tls.AdditionalRootFiles[{i}]", "is empty");
            }
        }
    }

    public static bool TryBinding(string? text, out IPEndPoint? endpoint) =>
        IPEndPoint.TryParse(text ?? string.Empty, out endpoint) && endpoint.Port is > 0 and <= 65_535 && (text!.Contains(']', StringComparison.Ordinal) || text.Count(ch => ch == '.') == 3);

    private static void TlsCertificateName(string? value, string path, Issues issues)
    {
        if (value is not null && !SmtpX509Identifier.TryParse(value, out _, out var error))
        {
            issues.Error(path, $"\"{value}\" is not valid: {error}");
        }
    }

    private static void HostName(string? value, string path, Issues issues, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                issues.Error(path, "is empty");
            }

            return;
        }

        if (!ReferenceIdentifier.TryParse(value, allowSubdomainPattern: false, out var id, out var error) || id!.Kind != ReferenceKind.DnsName)
        {
            issues.Error(path, error ?? $"\"{value}\" is an IP address; a host name is required");
        }
    }

    private static void Unique(IEnumerable<string> names, string path, string what, Issues issues)
    {
        foreach (var duplicate in names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            issues.Error(path, $"{what} \"{duplicate.Key}\" appears {duplicate.Count()} times");
        }
    }

    private static void Range<T>(T value, T min, T max, string path, Issues issues)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            issues.Error(path, $"{value} is out of range ({min}–{max})");
        }
    }

    private sealed class Issues
    {
        public List<ConfigurationIssue> All { get; } = [];

        public void Error(string path, string message) => All.Add(new ConfigurationIssue(IssueSeverity.Error, path, message));

        public void Warning(string path, string message) => All.Add(new ConfigurationIssue(IssueSeverity.Warning, path, message));
    }
}
