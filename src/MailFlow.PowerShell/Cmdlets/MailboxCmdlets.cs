using System.Management.Automation;
using MailFlow.Management.Recipients;

namespace MailFlow.PowerShell.Cmdlets;

/// <summary>Get-Mailbox [[-Identity] name-or-address].</summary>
[Cmdlet(VerbsCommon.Get, "Mailbox")]
[OutputType(typeof(MailboxView))]
public sealed class GetMailboxCommand : MailFlowCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Identity { get; set; }

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        foreach (var mailbox in new MailboxCommands(Administration).Get(Identity))
        {
            WriteObject(Output(mailbox, "MailFlow.Mailbox", mailbox.PrimarySmtpAddress));
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
    public string? Name { get; set; }

    [Parameter(Mandatory = true)]
    public string PrimarySmtpAddress { get; set; } = string.Empty;

    protected override object? ErrorTarget => PrimarySmtpAddress;

    protected override void Process()
    {
        if (ShouldProcess(PrimarySmtpAddress, "New-Mailbox"))
        {
            var created = new MailboxCommands(Administration).New(PrimarySmtpAddress, Name);
            WriteObject(Output(created, "MailFlow.Mailbox", created.PrimarySmtpAddress));
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
