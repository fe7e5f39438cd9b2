namespace MailFlow.Diagnostics.Reasons;

/// <summary>What an enhanced status code means in Exchange's mail flow, and which side writes it.</summary>
public sealed record StatusCodeMeaning(string Code, string Meaning, string WrittenBy);

/// <summary>The codes of exchange-semantics.md §8 and root-causes.md, by enhanced code.</summary>
public static class StatusCodes
{
    private const string Exo = "Exchange Online, while sending to your server (message trace / connector queue)";
    private const string OnPremises = "Exchange on-premises (queue LastError, NDR or protocol log)";
    private const string Receiver = "the receiving server, in reply to the sender";

    private static readonly Dictionary<string, StatusCodeMeaning> Known = new StatusCodeMeaning[]
    {
        new("4.7.320", "Certificate validation failed: the receiver's certificate did not pass the connector's TLS check (name, chain or validity)", Exo),
        new("4.4.312", "DNS query failed: the smart host or MX could not be resolved", Exo),
        new("4.4.315", "Connection timed out: the destination did not answer on port 25", Exo),
        new("4.4.316", "Connection refused: nothing listens, or a firewall refuses the sender's addresses (socket error 10061)", Exo),
        new("4.4.317", "Cannot connect to remote server: connected, but the destination failed a requirement (TLS required but not offered, certificate failure, TLS negotiation error)", Exo),
        new("4.4.318", "Connection was closed abruptly: a firewall's SMTP inspection, a hung server or the network", Exo),
        new("4.4.7", "QUEUE.Expired: every retry failed until the message expired; the earlier deferrals hold the cause", OnPremises),
        new("5.4.300", "Message expired (Exchange Online NDR)", Exo),
        new("4.7.321", "DANE: starttls-not-supported", Exo),
        new("4.7.322", "DANE: the destination's certificate is expired", Exo),
        new("4.7.323", "DANE: tlsa-invalid", Exo),
        new("4.7.324", "DANE: dnssec-invalid", Exo),
        new("4.7.325", "DANE: certificate-host-mismatch", Exo),
        new("4.7.5", "MTA-STS validation failed, or (on-premises, 454) the send connector's TlsCertificateName names no usable certificate", OnPremises),
        new("5.7.5", "MTA-STS validation failed", Exo),
        new("4.4.8", "MX hosts failed MTA-STS validation", Exo),
        new("5.7.64", "TenantAttribution; Relay Access Denied: Exchange Online's inbound connector no longer recognises the sender (certificate name or source IP)", Receiver),
        new("5.7.51", "TenantInboundAttribution: a Partner inbound connector restricted by IP or certificate matched", Receiver),
        new("5.7.3", "STARTTLS is required / must issue STARTTLS first: the receiver requires TLS and the sender did not (or could not) start it", Receiver),
        new("4.4.395", "Target host responded with error: on-premises wraps the next hop's reply (after ->)", OnPremises),
        new("4.4.101", "Proxy session setup failed on the Front End: the Front End could not reach the next hop (the quoted reply says why)", OnPremises),
        new("4.4.0", "Primary target responded with an error / TLS negotiation failed (the quoted text says which)", OnPremises),
        new("4.4.1", "Connection timed out (on-premises)", OnPremises),
        new("4.4.2", "Connection dropped (on-premises); with SocketError usually a TLS version mismatch", OnPremises),
        new("4.7.0", "Temporary server error; with PRX5, Exchange 2013 ≤ CU8 rejected Exchange Online's new certificate", Receiver),
        new("5.7.1", "Unable to relay / access denied", Receiver),
        new("5.7.54", "Unable to relay recipient in non-accepted domain", Receiver),
        new("5.1.10", "Recipient not found (RESOLVER.ADR.RecipientNotFound), or the domain publishes a null MX", Receiver),
        new("5.4.310", "The recipient's DNS domain does not exist", Exo),
        new("5.4.4", "Unable to route: no connector or accepted domain covers the recipient's domain", OnPremises),
        new("5.1.1", "Bad destination mailbox address: the recipient does not exist", Receiver),
        new("5.6.7", "The message needs SMTPUTF8, which the next hop does not offer", OnPremises),
        new("5.3.2", "Deleted by an administrator (Remove-Message -WithNDR)", OnPremises),
    }.ToDictionary(m => m.Code);

    public static StatusCodeMeaning? Describe(string? enhancedCode) =>
        enhancedCode is not null && Known.TryGetValue(enhancedCode, out var meaning) ? meaning : null;
}
