using System.Management.Automation;
using MailFlow.Configuration.Model;
using MailFlow.Management.Domains;

namespace MailFlow.PowerShell.Cmdlets;

[Cmdlet(VerbsCommon.Get, "AcceptedDomain")]
[OutputType(typeof(AcceptedDomain))]
public sealed class GetAcceptedDomainCommand : MailFlowCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        var domains = new AcceptedDomainCommands(Administration).Get()
            .Where(d => Identity is null || d.Name.Equals(Identity, StringComparison.OrdinalIgnoreCase) || d.DomainName.Equals(Identity, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (Identity is not null && domains.Count == 0)
        {
            throw new Core.Errors.MailFlowException($"accepted domain \"{Identity}\" was not found", Core.Errors.MailFlowErrorKind.NotFound);
        }

        foreach (var domain in domains)
        {
            WriteObject(Output(domain, "MailFlow.AcceptedDomain", domain.Name));
        }
    }
}

/// <summary>New-AcceptedDomain -Name … -DomainName … [-DomainType Authoritative|InternalRelay|ExternalRelay].</summary>
[Cmdlet(VerbsCommon.New, "AcceptedDomain", SupportsShouldProcess = true)]
public sealed class NewAcceptedDomainCommand : MailFlowCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter(Mandatory = true)]
    public string DomainName { get; set; } = string.Empty;

    [Parameter]
    public AcceptedDomainType DomainType { get; set; } = AcceptedDomainType.Authoritative;

    protected override object? ErrorTarget => DomainName;

    protected override void Process()
    {
        if (ShouldProcess(DomainName, "New-AcceptedDomain"))
        {
            var created = new AcceptedDomainCommands(Administration).New(DomainName, Name, DomainType);
            WriteObject(Output(created, "MailFlow.AcceptedDomain", created.Name));
        }
    }
}

/// <summary>Set-AcceptedDomain [-Identity] … -CatchAllMailbox address|$null.</summary>
[Cmdlet(VerbsCommon.Set, "AcceptedDomain", SupportsShouldProcess = true)]
public sealed class SetAcceptedDomainCommand : MailFlowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Identity { get; set; } = string.Empty;

    [Parameter(Mandatory = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? CatchAllMailbox { get; set; }

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        if (ShouldProcess(Identity, "Set-AcceptedDomain"))
        {
            new AcceptedDomainCommands(Administration).SetCatchAllMailbox(Identity, CatchAllMailbox);
        }
    }
}

[Cmdlet(VerbsCommon.Remove, "AcceptedDomain", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveAcceptedDomainCommand : MailFlowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Identity { get; set; } = string.Empty;

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        if (ShouldProcess(Identity, "Remove-AcceptedDomain"))
        {
            new AcceptedDomainCommands(Administration).Remove(Identity);
        }
    }
}
