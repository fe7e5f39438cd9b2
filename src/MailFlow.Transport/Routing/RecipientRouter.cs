using MailFlow.Certificates.Names;
using MailFlow.Configuration.Model;

namespace MailFlow.Transport.Routing;

public enum RouteKind
{
    /// <summary>An authoritative accepted domain: deliver into a local Maildir.</summary>
    Local,

    /// <summary>Hand to the named send connector.</summary>
    SendConnector,

    /// <summary>No accepted domain and no send connector covers the domain.</summary>
    Unroutable,
}

/// <summary>Where one recipient goes, and why.</summary>
public sealed record Route(RouteKind Kind, string Domain, SendConnector? Connector, string Reason);

/// <summary>
/// Exchange's routing decision for a recipient domain: an Authoritative accepted domain is delivered
/// here; anything else (including InternalRelay and ExternalRelay domains) goes to the enabled send
/// connector whose AddressSpaces match most specifically — an exact domain beats <c>*.parent</c>
/// (a longer parent beats a shorter one), which beats <c>*</c>; equal matches go to the lower cost,
/// then to the connector name, so the choice is stable.
/// </summary>
public sealed class RecipientRouter
{
    private readonly List<(AddressSpace Space, SendConnector Connector)> spaces = [];
    private readonly List<(string Domain, bool Subdomains, AcceptedDomainType Type)> accepted = [];

    public RecipientRouter(MailFlowConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var domain in configuration.AcceptedDomains)
        {
            var subdomains = domain.DomainName.StartsWith("*.", StringComparison.Ordinal);
            if (DnsNames.TryNormalizeReference(subdomains ? domain.DomainName[2..] : domain.DomainName, out var name, out _))
            {
                accepted.Add((name, subdomains, domain.DomainType));
            }
        }

        foreach (var connector in configuration.SendConnectors.Where(c => c.Enabled))
        {
            foreach (var text in connector.AddressSpaces)
            {
                if (AddressSpace.TryParse(text, out var space, out _))
                {
                    spaces.Add((space!, connector));
                }
            }
        }
    }

    public Route RouteFor(string recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var at = recipient.LastIndexOf('@');
        var rawDomain = at < 0 ? string.Empty : recipient[(at + 1)..];
        if (!DnsNames.TryNormalizeReference(rawDomain, out var domain, out _))
        {
            return new Route(RouteKind.Unroutable, rawDomain, null, $"\"{rawDomain}\" is not a routable domain");
        }

        var acceptedMatch = accepted
            .Where(a => a.Domain == domain || (a.Subdomains && domain.EndsWith("." + a.Domain, StringComparison.Ordinal)))
            .OrderBy(a => a.Subdomains)
            .ThenByDescending(a => a.Domain.Length)
            .Select(a => ((string Domain, bool Subdomains, AcceptedDomainType Type)?)a)
            .FirstOrDefault();
        if (acceptedMatch is { Type: AcceptedDomainType.Authoritative } local)
        {
            return new Route(RouteKind.Local, domain, null, $"{domain} is an authoritative accepted domain ({(local.Subdomains ? "*." : string.Empty)}{local.Domain})");
        }

        var best = spaces
            .Select(s => (s.Space, s.Connector, Rank: Specificity(s.Space, domain)))
            .Where(s => s.Rank >= 0)
            .OrderByDescending(s => s.Rank)
            .ThenBy(s => s.Space.Cost)
            .ThenBy(s => s.Connector.Name, StringComparer.OrdinalIgnoreCase)
            .FirstOrDefault();
        if (best.Connector is null)
        {
            return new Route(RouteKind.Unroutable, domain, null, $"no send connector's AddressSpaces cover {domain}");
        }

        var space = best.Space.IsEverything ? "*" : (best.Space.IncludesSubdomains ? "*." : string.Empty) + best.Space.Domain;
        return new Route(RouteKind.SendConnector, domain, best.Connector, $"address space {space} (cost {best.Space.Cost}) of send connector \"{best.Connector.Name}\" is the most specific match for {domain}");
    }

    /// <summary>-1: no match; otherwise higher is more specific (exact &gt; longest *.parent &gt; *).</summary>
    private static int Specificity(AddressSpace space, string domain)
    {
        if (space.IsEverything)
        {
            return 0;
        }

        if (!space.IncludesSubdomains)
        {
            return space.Domain == domain ? 100_000 : -1;
        }

        // *.contoso.com covers the subdomains of contoso.com, not contoso.com itself (docs/decisions/0012).
        return domain.EndsWith("." + space.Domain, StringComparison.Ordinal) ? space.Domain.Length : -1;
    }
}
