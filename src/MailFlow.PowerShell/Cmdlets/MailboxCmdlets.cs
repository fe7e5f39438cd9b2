using System.Management.Automation;
using MailFlow.Management.Recipients;

namespace MailFlow.PowerShell.Cmdlets;

/// <summary>Get-Mailbox [[-Identity] name-or-address].</summary>
[Cmdlet(VerbsCommon.Get, "Mailbox")]
[OutputType(typeof(MailboxView))]
public sealed class GetMailboxCommand : MailFlowCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    protected override object? ErrorTarget => Identity;

    /// <summary>
    /// Exchange's default columns are Name, Alias, ServerName and ProhibitSendQuota. MailFlow keeps no alias,
    /// server or quota per mailbox, so they are what is true here: the address's local part (Exchange's alias
    /// for a mailbox created from its address), this server, and Unlimited (no quota is enforced).
    /// </summary>
    internal static PSObject Present(MailboxView mailbox, string serverName)
    {
        var output = Output(mailbox, "MailFlow.Mailbox", mailbox.PrimarySmtpAddress);
        output.Properties.Add(new PSNoteProperty("Alias", mailbox.PrimarySmtpAddress[..mailbox.PrimarySmtpAddress.LastIndexOf('@')]));
        output.Properties.Add(new PSNoteProperty("ServerName", serverName));
        output.Properties.Add(new PSNoteProperty("ProhibitSendQuota", "Unlimited"));
        return output;
    }

    protected override void Process()
    {
        var server = Administration.Configuration.Load().Server.Name;
        foreach (var mailbox in new MailboxCommands(Administration).Get(Identity))
        {
            WriteObject(Present(mailbox, server));
        }
    }
}

/// <summary>
/// New-Mailbox [-Name] … -PrimarySmtpAddress …: Exchange's two identifying parameters; -Name defaults to
/// the address (Exchange's mailbox-database, password and AD parameters have no meaning here).
/// </summary>
[Cmdlet(VerbsCommon.New, "Mailbox", SupportsShouldProcess = true)]
[OutputType(typeof(MailboxView))]
public sealed class NewMailboxCommand : MailFlowCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter(Mandatory = true)]
    public string PrimarySmtpAddress { get; set; } = string.Empty;

    protected override object? ErrorTarget => PrimarySmtpAddress;

    protected override void Process()
    {
        if (ShouldProcess(PrimarySmtpAddress, "New-Mailbox"))
        {
            var created = new MailboxCommands(Administration).New(PrimarySmtpAddress, Name);
            WriteObject(GetMailboxCommand.Present(created, Administration.Configuration.Load().Server.Name));
        }
    }
}

/// <summary>Remove-Mailbox [-Identity] …: the configuration forgets it; its Maildir stays on disk.</summary>
[Cmdlet(VerbsCommon.Remove, "Mailbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
public sealed class RemoveMailboxCommand : MailFlowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Identity { get; set; } = string.Empty;

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        if (ShouldProcess(Identity, "Remove-Mailbox"))
        {
            new MailboxCommands(Administration).Remove(Identity);
        }
    }
}
