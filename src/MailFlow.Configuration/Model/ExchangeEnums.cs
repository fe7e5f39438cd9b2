namespace MailFlow.Configuration.Model;

/// <summary>Receive connector AuthMechanism; values as Exchange serializes them (Default Frontend = 31).</summary>
[Flags]
public enum AuthMechanisms
{
    None = 0,
    Tls = 1,
    Integrated = 2,
    BasicAuth = 4,
    BasicAuthRequireTLS = 8,
    ExchangeServer = 16,
    ExternalAuthoritative = 32,
}

/// <summary>Receive connector PermissionGroups; values as Exchange serializes them (Default Frontend = 13).</summary>
[Flags]
public enum PermissionGroups
{
    None = 0,
    AnonymousUsers = 1,
    ExchangeUsers = 2,
    ExchangeServers = 4,
    ExchangeLegacyServers = 8,
    Partners = 16,
    Custom = 32,
}

public enum TransportRole
{
    FrontendTransport,
    HubTransport,
}

public enum ProtocolLoggingLevel
{
    None,
    Verbose,
}

public enum AcceptedDomainType
{
    Authoritative,
    InternalRelay,
    ExternalRelay,
}
