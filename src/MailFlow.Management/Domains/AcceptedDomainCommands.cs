using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;

namespace MailFlow.Management.Domains;

/// <summary>Get-/New-/Set-/Remove-AcceptedDomain.</summary>
public sealed class AcceptedDomainCommands
{
    private readonly ServerAdministration administration;

    public AcceptedDomainCommands(ServerAdministration administration)
    {
        ArgumentNullException.ThrowIfNull(administration);
        this.administration = administration;
    }

    public IReadOnlyList<AcceptedDomain> Get() => administration.Configuration.Load().AcceptedDomains;

    public AcceptedDomain New(string domainName, string? name = null, AcceptedDomainType type = AcceptedDomainType.Authoritative, bool makeDefault = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domainName);
        var saved = administration.Configuration.Update(configuration =>
        {
            if (Find(configuration, domainName) is not null || (name is not null && Find(configuration, name) is not null))
            {
                throw new MailFlowException($"accepted domain \"{name ?? domainName}\" already exists", MailFlowErrorKind.AlreadyExists);
            }

            if (makeDefault)
            {
                configuration.AcceptedDomains.ForEach(d => d.Default = false);
            }

            configuration.AcceptedDomains.Add(new AcceptedDomain
            {
                Name = name ?? domainName,
                DomainName = domainName,
                DomainType = type,
                Default = makeDefault || configuration.AcceptedDomains.Count == 0,
            });
        });
        return Find(saved, domainName)!;
    }

    /// <summary>
    /// Set-AcceptedDomain -CatchAllMailbox: the mailbox that receives mail for this domain's unknown
    /// local parts, or null for none. The validator refuses a catch-all that is not an existing mailbox
    /// or sits on a domain that is not Authoritative.
    /// </summary>
    public AcceptedDomain SetCatchAllMailbox(string identity, string? mailbox)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var saved = administration.Configuration.Update(configuration =>
        {
            var domain = Find(configuration, identity) ?? throw NotFound(configuration, identity);
            domain.CatchAllMailbox = string.IsNullOrWhiteSpace(mailbox) ? null : mailbox.Trim();
        });
        return Find(saved, identity)!;
    }

    /// <summary>Removes by Name or DomainName.</summary>
    public void Remove(string identity) =>
        administration.Configuration.Update(configuration =>
        {
            var domain = Find(configuration, identity) ?? throw NotFound(configuration, identity);
            configuration.AcceptedDomains.Remove(domain);
        });

    private static AcceptedDomain? Find(MailFlowConfiguration configuration, string identity) =>
        configuration.AcceptedDomains.FirstOrDefault(d =>
            string.Equals(d.Name, identity, StringComparison.OrdinalIgnoreCase) || string.Equals(d.DomainName, identity, StringComparison.OrdinalIgnoreCase));

    private static MailFlowException NotFound(MailFlowConfiguration configuration, string identity) =>
        new($"accepted domain \"{identity}\" was not found; known: {string.Join(", ", configuration.AcceptedDomains.Select(d => d.DomainName))}", MailFlowErrorKind.NotFound);
}
