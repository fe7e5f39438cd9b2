using MailFlow.Configuration.Model;

namespace MailFlow.Configuration;

/// <summary>
/// What a fresh Exchange 2013 server has: the five default receive connectors with Exchange's
/// settings (exchange-semantics.md §1.1), and the accepted domain of its AD domain.
/// </summary>
public static class ExchangeDefaults
{
    private static readonly List<string> AllRemoteIPRanges = ["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0-255.255.255.255"];

    public static MailFlowConfiguration Create(string serverName, string serverFqdn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serverName);
        ArgumentException.ThrowIfNullOrWhiteSpace(serverFqdn);
        var configuration = new MailFlowConfiguration
        {
            Server = new ServerIdentity { Name = serverName, Fqdn = serverFqdn },
            ReceiveConnectors = ReceiveConnectors(serverName, serverFqdn),
        };

        // The AD domain of SERVER1.domain.com is domain.com; a host without a DNS domain accepts mail
        // for its own name, so a fresh server is never a server that accepts nothing.
        var dot = serverFqdn.IndexOf('.', StringComparison.Ordinal);
        var domain = (dot > 0 && serverFqdn[(dot + 1)..].Contains('.', StringComparison.Ordinal) ? serverFqdn[(dot + 1)..] : serverFqdn).ToLowerInvariant();
        configuration.AcceptedDomains.Add(new AcceptedDomain { Name = domain, DomainName = domain, DomainType = AcceptedDomainType.Authoritative, Default = true });

        return configuration;
    }

    public static List<ReceiveConnector> ReceiveConnectors(string server, string fqdn) =>
    [
        Connector($"Default Frontend {server}", TransportRole.FrontendTransport, 25, fqdn,
            AuthMechanisms.Tls | AuthMechanisms.BasicAuth | AuthMechanisms.BasicAuthRequireTLS | AuthMechanisms.ExchangeServer | AuthMechanisms.Integrated,
            PermissionGroups.AnonymousUsers | PermissionGroups.ExchangeLegacyServers | PermissionGroups.ExchangeServers,
            ProtocolLoggingLevel.Verbose),
        Connector($"Client Frontend {server}", TransportRole.FrontendTransport, 587, fqdn,
            AuthMechanisms.Tls | AuthMechanisms.BasicAuth | AuthMechanisms.BasicAuthRequireTLS | AuthMechanisms.Integrated,
            PermissionGroups.ExchangeUsers,
            ProtocolLoggingLevel.None),
        Connector($"Outbound Proxy Frontend {server}", TransportRole.FrontendTransport, 717, fqdn,
            AuthMechanisms.Tls | AuthMechanisms.BasicAuth | AuthMechanisms.BasicAuthRequireTLS | AuthMechanisms.ExchangeServer | AuthMechanisms.Integrated,
            PermissionGroups.ExchangeServers,
            ProtocolLoggingLevel.None),
        // BasicAuthRequireTLS as on Exchange's own fresh install (decision 0019): on MailFlow an AUTH
        // user may relay, so AUTH before STARTTLS would put passwords and an open relay on the wire.
        Connector($"Default {server}", TransportRole.HubTransport, 2525, fqdn,
            AuthMechanisms.Tls | AuthMechanisms.BasicAuth | AuthMechanisms.BasicAuthRequireTLS | AuthMechanisms.ExchangeServer | AuthMechanisms.Integrated,
            PermissionGroups.ExchangeLegacyServers | PermissionGroups.ExchangeServers | PermissionGroups.ExchangeUsers,
            ProtocolLoggingLevel.None),
        Connector($"Client Proxy {server}", TransportRole.HubTransport, 465, fqdn,
            AuthMechanisms.Tls | AuthMechanisms.BasicAuth | AuthMechanisms.BasicAuthRequireTLS | AuthMechanisms.ExchangeServer | AuthMechanisms.Integrated,
            PermissionGroups.ExchangeServers | PermissionGroups.ExchangeUsers,
            ProtocolLoggingLevel.None),
    ];

    private static ReceiveConnector Connector(string name, TransportRole role, int port, string fqdn, AuthMechanisms auth, PermissionGroups groups, ProtocolLoggingLevel logging) => new()
    {
        Name = name,
        TransportRole = role,
        Bindings = [$"[::]:{port}", $"0.0.0.0:{port}"],
        RemoteIPRanges = [.. AllRemoteIPRanges],
        Fqdn = fqdn,
        AuthMechanism = auth,
        PermissionGroups = groups,
        ProtocolLoggingLevel = logging,
    };
}
