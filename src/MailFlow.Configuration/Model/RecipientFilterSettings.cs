using System.Text.Json.Serialization;

namespace MailFlow.Configuration.Model;

/// <summary>
/// Recipient validation at RCPT time (Exchange's Set-RecipientFilterConfig). With validation on, an
/// address in an Authoritative accepted domain that has no mailbox (and no catch-all) is refused before
/// any data is sent, so the server never accepts mail it can only bounce. Exchange looks addresses up in
/// Active Directory; MailFlow looks them up in the configured mailboxes.
/// </summary>
public sealed class RecipientFilterSettings
{
    public bool RecipientValidationEnabled { get; set; }

    /// <summary>
    /// The list of valid recipients of older configuration files. It named the same thing a mailbox
    /// does, so it is read only to be turned into <see cref="MailFlowConfiguration.Mailboxes"/> on load
    /// (<see cref="Recipients.LegacyRecipientMigration"/>) and is never written back.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Recipients { get; set; }
}
