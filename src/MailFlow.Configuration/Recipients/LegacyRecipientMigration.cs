using MailFlow.Configuration.Model;

namespace MailFlow.Configuration.Recipients;

/// <summary>
/// Configuration files written before mailboxes existed listed valid recipients in
/// <c>RecipientFilter.Recipients</c>. Each listed address was a mailbox in all but name, so on load it
/// becomes one (named after its address) and the old list is dropped: the next save writes only
/// <c>Mailboxes</c>, and there is one source of truth.
/// </summary>
public static class LegacyRecipientMigration
{
    public static void Apply(MailFlowConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.RecipientFilter.Recipients is not { } legacy)
        {
            return;
        }

        foreach (var address in legacy)
        {
            if (!configuration.Mailboxes.Any(m => string.Equals(m.PrimarySmtpAddress, address, StringComparison.OrdinalIgnoreCase)))
            {
                configuration.Mailboxes.Add(new Mailbox { Name = address, PrimarySmtpAddress = address });
            }
        }

        configuration.RecipientFilter.Recipients = null;
    }
}
