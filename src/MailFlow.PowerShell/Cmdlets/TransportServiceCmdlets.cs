using System.Globalization;
using System.Management.Automation;
using MailFlow.Core.Errors;
using MailFlow.Logs.Reading;
using MailFlow.Management.Control;
using MailFlow.Management.Transport;

namespace MailFlow.PowerShell.Cmdlets;

/// <summary>Get-TransportService: retry, expiry, connection limits and log settings, with the server's name as Identity.</summary>
[Cmdlet(VerbsCommon.Get, "TransportService")]
public sealed class GetTransportServiceCommand : MailFlowCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        EnsureLocalServer(Identity);
        var (identity, settings) = new TransportServiceCommands(Administration).Get();
        var output = Output(settings, "MailFlow.TransportService", identity);
        output.Properties.Add(new PSNoteProperty("Name", identity));
        WriteObject(output);
    }
}

/// <summary>Set-TransportService with every setting as a parameter (-MessageExpirationTimeout 1.00:00:00, …); effective at the next restart.</summary>
[Cmdlet(VerbsCommon.Set, "TransportService", SupportsShouldProcess = true)]
public sealed class SetTransportServiceCommand : ObjectParametersCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    protected override IReadOnlyList<string> Settable => TransportServiceCommands.SettableParameters;

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        EnsureLocalServer(Identity);
        if (ShouldProcess(Identity ?? "this server", "Set-TransportService"))
        {
            new TransportServiceCommands(Administration).Set(BoundObjectParameters());
        }
    }
}

/// <summary>
/// Restart-TransportService: the running `mailflow serve` re-reads configuration and certificates and
/// recomputes every connector's certificate — what "restart the transport service" does on Exchange.
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "TransportService", SupportsShouldProcess = true)]
public sealed class RestartTransportServiceCommand : MailFlowCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        EnsureLocalServer(Identity);
        if (ShouldProcess(Identity ?? "this server", "Restart-TransportService"))
        {
            WriteObject(Output(new ServiceCommands(Administration).Restart(), "MailFlow.ServiceStatus"));
        }
    }
}

/// <summary>Get-MessageTrackingLog [-Server] [-Sender] [-Recipients] [-MessageId] [-EventId] [-Start] [-End] [-ResultSize].</summary>
[Cmdlet(VerbsCommon.Get, "MessageTrackingLog")]
[OutputType(typeof(MessageTrackingLogEntry))]
public sealed class GetMessageTrackingLogCommand : MailFlowCmdlet
{
    [Parameter]
    public string? Sender { get; set; }

    [Parameter]
    public string[] Recipients { get; set; } = [];

    [Parameter]
    public string? MessageId { get; set; }

    [Parameter]
    public string? EventId { get; set; }

    [Parameter]
    public DateTime? Start { get; set; }

    [Parameter]
    public DateTime? End { get; set; }

    /// <summary>Exchange's Unlimited&lt;int&gt;: a number, or Unlimited; the default is 1000.</summary>
    [Parameter]
    public string ResultSize { get; set; } = "1000";

    /// <summary>The tracking log of this server (its name or FQDN); another server is not found.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    protected override object? ErrorTarget => Server;

    protected override void Process()
    {
        EnsureLocalServer(Server);
        var limit = ResultLimit(ResultSize);
        var filter = new MessageTrackingFilter { Sender = Sender, Recipients = Recipients, MessageId = MessageId, EventId = EventId, Start = Start, End = End };
        foreach (var entry in new TransportServiceCommands(Administration).SearchTrackingLog(filter).Take(limit))
        {
            WriteObject(Output(entry, "MailFlow.MessageTrackingLogEntry"));
        }
    }
}
