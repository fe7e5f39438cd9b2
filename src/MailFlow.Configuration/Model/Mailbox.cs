namespace MailFlow.Configuration.Model;

/// <summary>
/// A local mailbox (Exchange's New-Mailbox, reduced to what a transport needs): mail for
/// <see cref="PrimarySmtpAddress"/> is delivered into its Maildir. Only configured mailboxes receive
/// mail; a recipient address alone never creates one (docs/decisions/0021).
/// </summary>
public sealed class Mailbox
{
    /// <summary>Exchange's -Name: unique, what Get-Mailbox and Remove-Mailbox find it by (besides the address).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary><c>user@domain.com</c>, in an Authoritative accepted domain; compared without regard to case.</summary>
    public string PrimarySmtpAddress { get; set; } = string.Empty;
}
