namespace MailFlow.Configuration.Model;

/// <summary>An accepted domain (New-AcceptedDomain): mail for it is ours to deliver or relay.</summary>
public sealed class AcceptedDomain
{
    public string Name { get; set; } = string.Empty;

    /// <summary><c>contoso.com</c>, or <c>*.contoso.com</c> for all subdomains.</summary>
    public string DomainName { get; set; } = string.Empty;

    public AcceptedDomainType DomainType { get; set; } = AcceptedDomainType.Authoritative;

    public bool Default { get; set; }

    /// <summary>
    /// The mailbox that receives mail for local parts of this domain that have no mailbox of their own,
    /// or null (the default) for none. Only Authoritative domains have one; Exchange does this with a
    /// transport rule, MailFlow makes it an explicit setting so it is never on by accident.
    /// </summary>
    public string? CatchAllMailbox { get; set; }
}
