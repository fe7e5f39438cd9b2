using System.Management.Automation;
using MailFlow.Configuration.Model;
using MailFlow.Management.Connectors;

namespace MailFlow.PowerShell.Cmdlets;

/// <summary>Get-SendConnector [[-Identity] Name].</summary>
[Cmdlet(VerbsCommon.Get, "SendConnector")]
[OutputType(typeof(SendConnector))]
public sealed class GetSendConnectorCommand : MailFlowCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    protected override object? ErrorTarget => Identity;

    internal static PSObject Present(SendConnector connector) => Output(connector, "MailFlow.SendConnector", connector.Name);

    protected override void Process()
    {
        var commands = new SendConnectorCommands(Administration);
        foreach (var connector in Identity is null ? commands.Get() : [commands.Get(Identity)])
        {
            WriteObject(Present(connector));
        }
    }
}

/// <summary>Set-SendConnector -Identity … with every SendConnector property as a parameter.</summary>
[Cmdlet(VerbsCommon.Set, "SendConnector", SupportsShouldProcess = true)]
public sealed class SetSendConnectorCommand : ObjectParametersCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Identity { get; set; } = string.Empty;

    protected override IReadOnlyList<string> Settable => SendConnectorCommands.SettableParameters;

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        var parameters = BoundObjectParameters();
        if (ShouldProcess(Identity, "Set-SendConnector"))
        {
            new SendConnectorCommands(Administration).Set(Identity, parameters);
        }
    }
}

/// <summary>New-SendConnector -Name … -AddressSpaces … [-SmartHosts … -DNSRoutingEnabled $false] [-RequireTLS $true -TlsAuthLevel …].</summary>
[Cmdlet(VerbsCommon.New, "SendConnector", SupportsShouldProcess = true)]
public sealed class NewSendConnectorCommand : ObjectParametersCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = string.Empty;

    protected override IReadOnlyList<string> Settable => SendConnectorCommands.SettableParameters;

    protected override object? ErrorTarget => Name;

    protected override void Process()
    {
        if (ShouldProcess(Name, "New-SendConnector"))
        {
            WriteObject(GetSendConnectorCommand.Present(new SendConnectorCommands(Administration).New(Name, BoundObjectParameters())));
        }
    }
}

[Cmdlet(VerbsCommon.Remove, "SendConnector", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveSendConnectorCommand : MailFlowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Identity { get; set; } = string.Empty;

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        if (ShouldProcess(Identity, "Remove-SendConnector"))
        {
            new SendConnectorCommands(Administration).Remove(Identity);
        }
    }
}
