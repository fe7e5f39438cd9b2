using MailFlow.Certificates.Names;
using MailFlow.Configuration.Model;

namespace MailFlow.Configuration.Recipients;

/// <summary>How a local recipient found its mailbox.</summary>
public enum MailboxMatch
{
    /// <summary>A configured mailbox has this address.</summary>
    Mailbox,

    /// <summary>postmaster of an Authoritative domain, which always exists (RFC 5321 §4.5.1).</summary>
    Postmaster,

    /// <summary>No mailbox has the address; the domain's CatchAllMailbox takes it.</summary>
    CatchAll,
}

/// <summary>The mailbox a recipient is delivered to: its comparison-form address, which names its Maildir.</summary>
public sealed record ResolvedMailbox(string Address, MailboxMatch Match);

/// <summary>
/// Exchange's recipient resolution for local delivery, with the configured mailboxes standing in for
/// Active Directory: the one place that decides whether an address in an Authoritative accepted domain
/// has a mailbox. RCPT (with recipient validation on) and local delivery both ask it, so what is
/// accepted and what is delivered cannot disagree.
/// </summary>
public sealed class RecipientResolver
{
    /// <summary>
    /// Exchange's status for a recipient with no mailbox, the same at RCPT (recipient validation) and in
    /// the NDR when an accepted recipient cannot be resolved (exchange-semantics.md).
    /// </summary>
    public const string RecipientNotFound = "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup";

    private readonly HashSet<string> mailboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AcceptedDomain> exactDomains = new(StringComparer.Ordinal);

    /// <summary><c>*.parent</c> entries, longest parent first, so the most specific one answers.</summary>
    private readonly List<(string Parent, AcceptedDomain Entry)> subdomainEntries = [];

    public RecipientResolver(MailFlowConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var mailbox in configuration.Mailboxes)
        {
            if (MailboxAddress.TryParse(mailbox.PrimarySmtpAddress, out var address, out _))
            {
                mailboxes.Add(address);
            }
        }

        foreach (var entry in configuration.AcceptedDomains)
        {
            var subdomains = entry.DomainName.StartsWith("*.", StringComparison.Ordinal);
            if (!DnsNames.TryNormalizeReference(subdomains ? entry.DomainName[2..] : entry.DomainName, out var name, out _))
            {
                continue;
            }

            if (subdomains)
            {
                subdomainEntries.Add((name, entry));
            }
            else
            {
                exactDomains.TryAdd(name, entry);
            }
        }

        subdomainEntries.Sort((a, b) => b.Parent.Length.CompareTo(a.Parent.Length));
    }

    /// <summary>
    /// The accepted domain entry covering <paramref name="domain"/> (an exact name before the longest
    /// <c>*.parent</c>), or null — also for an address literal such as <c>[192.0.2.1]</c>, which is never ours.
    /// Asked at every RCPT, so it allocates nothing beyond the normalised name.
    /// </summary>
    public AcceptedDomain? AcceptedDomainOf(string? domain)
    {
        if (domain is null || domain.StartsWith('[') || !DnsNames.TryNormalizeReference(domain, out var normalized, out _))
        {
            return null;
        }

        if (exactDomains.TryGetValue(normalized, out var exact))
        {
            return exact;
        }

        foreach (var (parent, entry) in subdomainEntries)
        {
            if (normalized.Length > parent.Length && normalized.EndsWith(parent, StringComparison.Ordinal) && normalized[^(parent.Length + 1)] == '.')
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// The mailbox for a recipient of an Authoritative accepted domain, or null when there is none
    /// (not a mailbox, not postmaster, no catch-all). A local part with routing syntax resolves to
    /// nothing, catch-all or not: MailFlow never interprets it.
    /// </summary>
    public ResolvedMailbox? Resolve(string recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var address = MailboxAddress.Normalize(recipient);
        if (address is null)
        {
            return null;
        }

        var at = address.LastIndexOf('@');
        var local = address[..at];
        if (MailboxAddress.RoutingSyntax(local) is not null || AcceptedDomainOf(address[(at + 1)..]) is not { DomainType: AcceptedDomainType.Authoritative } domain)
        {
            return null;
        }

        if (mailboxes.Contains(address))
        {
            return new ResolvedMailbox(address, MailboxMatch.Mailbox);
        }

        if (local == "postmaster")
        {
            return new ResolvedMailbox(address, MailboxMatch.Postmaster);
        }

        return domain.CatchAllMailbox is { } catchAll && MailboxAddress.Normalize(catchAll) is { } target
            ? new ResolvedMailbox(target, MailboxMatch.CatchAll)
            : null;
    }
}
