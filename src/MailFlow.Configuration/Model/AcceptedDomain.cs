namespace MailFlow.Configuration.Model;

/// <summary>An accepted domain (New-AcceptedDomain): mail for it is ours to deliver or relay.</summary>
public sealed class AcceptedDomain
{
    public string Name { get; set; } = string.Empty;

    /// <summary><c>contoso.com</c>, or <c>*.contoso.com</c> for all subdomains.</summary>
    public string DomainName { get; set; } = string.Empty;

    public AcceptedDomainType DomainType { get; set; } = AcceptedDomainType.Authoritative;

    public bool Default { get; set; }
}
