using System.Management.Automation;
using MailFlow.Configuration.Model;
using MailFlow.Management.Connectors;

namespace MailFlow.PowerShell.Cmdlets;

/// <summary>Get-ReceiveConnector [[-Identity] SERVER\Name] [-Server SERVER].</summary>
[Cmdlet(VerbsCommon.Get, "ReceiveConnector")]
[OutputType(typeof(ReceiveConnector))]
public sealed class GetReceiveConnectorCommand : MailFlowCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    /// <summary>The connectors of this server (its name or FQDN); another server is not found.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    protected override object? ErrorTarget => Identity ?? Server;

    internal static PSObject Present(ReceiveConnectorCommands commands, ReceiveConnector connector)
    {
        var output = Output(connector, "MailFlow.ReceiveConnector", commands.IdentityOf(connector));
        // An instance member shadows the adapted long: shown as Exchange shows it, the configuration unchanged.
        output.Properties.Add(new PSNoteProperty(nameof(ReceiveConnector.MaxMessageSize), new ByteQuantifiedSize(connector.MaxMessageSize)));
        return output;
    }

    protected override void Process()
    {
        EnsureLocalServer(Server);
        var commands = new ReceiveConnectorCommands(Administration);
        var connectors = Identity is null ? commands.Get() : [commands.Get(Identity)];
        foreach (var connector in connectors)
        {
            WriteObject(Present(commands, connector));
        }
    }
}

/// <summary>Set-ReceiveConnector -Identity … with every ReceiveConnector property as a parameter (-TlsCertificateName, -Fqdn, -Bindings, …).</summary>
[Cmdlet(VerbsCommon.Set, "ReceiveConnector", SupportsShouldProcess = true)]
public sealed class SetReceiveConnectorCommand : ObjectParametersCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Identity { get; set; } = string.Empty;

    protected override IReadOnlyList<string> Settable => ReceiveConnectorCommands.SettableParameters;

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        var parameters = BoundObjectParameters();
        if (ShouldProcess(Identity, "Set-ReceiveConnector " + string.Join(" ", parameters.Select(p => $"-{p.Key} {p.Value ?? "$null"}"))))
        {
            var commands = new ReceiveConnectorCommands(Administration);
            commands.Warnings(commands.Set(Identity, parameters)).ToList().ForEach(WriteWarning);
        }
    }
}

/// <summary>New-ReceiveConnector -Name … -Bindings … [-TransportRole FrontendTransport|HubTransport].</summary>
[Cmdlet(VerbsCommon.New, "ReceiveConnector", SupportsShouldProcess = true)]
public sealed class NewReceiveConnectorCommand : ObjectParametersCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = string.Empty;

    [Parameter]
    public TransportRole TransportRole { get; set; } = TransportRole.FrontendTransport;

    protected override IReadOnlyList<string> Settable => ReceiveConnectorCommands.SettableParameters;

    protected override object? ErrorTarget => Name;

    protected override void Process()
    {
        if (ShouldProcess(Name, "New-ReceiveConnector"))
        {
            var commands = new ReceiveConnectorCommands(Administration);
            var created = commands.New(Name, TransportRole, BoundObjectParameters());
            commands.Warnings(created).ToList().ForEach(WriteWarning);
            WriteObject(GetReceiveConnectorCommand.Present(commands, created));
        }
    }
}

[Cmdlet(VerbsCommon.Remove, "ReceiveConnector", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveReceiveConnectorCommand : MailFlowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Identity { get; set; } = string.Empty;

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        if (ShouldProcess(Identity, "Remove-ReceiveConnector"))
        {
            new ReceiveConnectorCommands(Administration).Remove(Identity);
        }
    }
}
