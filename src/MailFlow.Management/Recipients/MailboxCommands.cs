using MailFlow.Configuration.Model;
using MailFlow.Configuration.Recipients;
using MailFlow.Core.Errors;
using MailFlow.Transport.Delivery;

namespace MailFlow.Management.Recipients;

/// <summary>A mailbox as Get-Mailbox shows it: the configured object and where its mail is kept.</summary>
public sealed record MailboxView(string Name, string PrimarySmtpAddress, string Maildir);

/// <summary>
/// Get-/New-/Remove-Mailbox. A mailbox is an address in an Authoritative accepted domain, with a name;
/// New-Mailbox creates its Maildir at once, so the folder exists because an admin made it and never
/// because a recipient string was sent (docs/decisions/0021).
/// </summary>
public sealed class MailboxCommands
{
    private readonly ServerAdministration administration;

    public MailboxCommands(ServerAdministration administration)
    {
        ArgumentNullException.ThrowIfNull(administration);
        this.administration = administration;
    }

    private MaildirDelivery Maildirs => new(administration.Data.Mailboxes, "mailflow");

    /// <summary>Every mailbox, or the one whose Name or address is <paramref name="identity"/>.</summary>
    public IReadOnlyList<MailboxView> Get(string? identity = null)
    {
        var configuration = administration.Configuration.Load();
        if (identity is null)
        {
            return [.. configuration.Mailboxes.Select(View)];
        }

        return [View(Find(configuration, identity) ?? throw NotFound(configuration, identity))];
    }

    /// <summary>New-Mailbox -PrimarySmtpAddress … [-Name …]: the name defaults to the address.</summary>
    public MailboxView New(string primarySmtpAddress, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(primarySmtpAddress);
        if (!MailboxAddress.TryParse(primarySmtpAddress, out _, out var error))
        {
            throw new MailFlowException($"\"{primarySmtpAddress}\" is not a mailbox address: {error}", MailFlowErrorKind.InvalidArgument);
        }

        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            throw new MailFlowException("the mailbox name is empty", MailFlowErrorKind.InvalidArgument);
        }

        var saved = administration.Configuration.Update(configuration =>
        {
            if (Find(configuration, primarySmtpAddress) is not null)
            {
                throw new MailFlowException($"mailbox \"{primarySmtpAddress}\" already exists", MailFlowErrorKind.AlreadyExists);
            }

            if (name is not null && Find(configuration, name) is not null)
            {
                throw new MailFlowException($"a mailbox named \"{name}\" already exists", MailFlowErrorKind.AlreadyExists);
            }

            configuration.Mailboxes.Add(new Mailbox { Name = name ?? primarySmtpAddress, PrimarySmtpAddress = primarySmtpAddress });
        });
        var created = Find(saved, primarySmtpAddress)!;
        Maildirs.Create(created.PrimarySmtpAddress);
        return View(created);
    }

    /// <summary>
    /// Removes the mailbox from the configuration (mail for it is then refused or bounced). Its Maildir
    /// and the mail in it stay on disk, as Exchange keeps a disconnected mailbox: deleting mail is not a
    /// side effect of a configuration change.
    /// </summary>
    public MailboxView Remove(string identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        MailboxView? removed = null;
        administration.Configuration.Update(configuration =>
        {
            var mailbox = Find(configuration, identity) ?? throw NotFound(configuration, identity);
            var catchAllOf = configuration.AcceptedDomains.Where(d => d.CatchAllMailbox is { } c && MailboxAddress.Normalize(c) == MailboxAddress.Normalize(mailbox.PrimarySmtpAddress)).ToList();
            if (catchAllOf.Count > 0)
            {
                throw new MailFlowException($"mailbox \"{mailbox.PrimarySmtpAddress}\" is the catch-all of {string.Join(", ", catchAllOf.Select(d => d.DomainName))}; clear it first (mailflow domain set <domain> --CatchAllMailbox '$null')", MailFlowErrorKind.InvalidArgument);
            }

            configuration.Mailboxes.Remove(mailbox);
            removed = View(mailbox);
        });
        return removed!;
    }

    private MailboxView View(Mailbox mailbox) => new(mailbox.Name, mailbox.PrimarySmtpAddress, Maildirs.MaildirOf(mailbox.PrimarySmtpAddress));

    private static Mailbox? Find(MailFlowConfiguration configuration, string identity)
    {
        var address = MailboxAddress.Normalize(identity);
        return configuration.Mailboxes.FirstOrDefault(m =>
            string.Equals(m.Name, identity, StringComparison.OrdinalIgnoreCase)
            || (address is not null && MailboxAddress.Normalize(m.PrimarySmtpAddress) == address));
    }

    private static MailFlowException NotFound(MailFlowConfiguration configuration, string identity) =>
        new($"mailbox \"{identity}\" was not found; known: {(configuration.Mailboxes.Count == 0 ? "none (postmaster of each Authoritative domain always exists)" : string.Join(", ", configuration.Mailboxes.Select(m => m.PrimarySmtpAddress)))}", MailFlowErrorKind.NotFound);
}
