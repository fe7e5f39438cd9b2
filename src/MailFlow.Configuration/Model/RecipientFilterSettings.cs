namespace MailFlow.Configuration.Model;

/// <summary>
/// Recipient validation at RCPT time (Exchange's Set-RecipientFilterConfig). With validation on, an
/// address in an Authoritative accepted domain that is not listed here is refused before any data is
/// sent, so the server never accepts mail it can only bounce. Exchange looks addresses up in Active
/// Directory; MailFlow keeps the list in the configuration.
/// </summary>
public sealed class RecipientFilterSettings
{
    public bool RecipientValidationEnabled { get; set; }

    /// <summary>The valid local recipients, e.g. <c>user@domain.com</c>; compared without regard to case. postmaster is always valid (RFC 5321 §4.5.1).</summary>
    public List<string> Recipients { get; set; } = [];
}
