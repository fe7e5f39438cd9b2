using System.Management.Automation;
using MailFlow.Management.Queues;
using MailFlow.Queue;
using MailFlow.Transport.Administration;

namespace MailFlow.PowerShell.Cmdlets;

/// <summary>Get-Queue [[-Identity] SERVER\next-hop] [-Server SERVER]; filter further with Where-Object (Status, DeliveryType…).</summary>
[Cmdlet(VerbsCommon.Get, "Queue")]
[OutputType(typeof(QueueInfo))]
public sealed class GetQueueCommand : MailFlowCmdlet
{
    [Parameter(Position = 0)]
    public string? Identity { get; set; }

    /// <summary>The queues of this server (its name or FQDN); another server is not found.</summary>
    [Parameter]
    public string? Server { get; set; }

    protected override void Process()
    {
        EnsureLocalServer(Server);
        foreach (var queue in new QueueCommands(Administration).GetQueue()
            .Where(q => Identity is null || q.Identity.Equals(Identity, StringComparison.OrdinalIgnoreCase) || q.NextHopDomain.Equals(Identity, StringComparison.OrdinalIgnoreCase)))
        {
            WriteObject(Output(queue, "MailFlow.Queue"));
        }
    }
}

/// <summary>Get-Message [-Queue SERVER\next-hop] [-Sender a@b] [-Status Retry].</summary>
[Cmdlet(VerbsCommon.Get, "Message")]
[OutputType(typeof(MessageInfo))]
public sealed class GetMessageCommand : MailFlowCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Identity")]
    public string? Queue { get; set; }

    [Parameter]
    public string? Sender { get; set; }

    [Parameter]
    public MessageState? Status { get; set; }

    protected override void Process()
    {
        var hop = Queue?[(Queue.IndexOf('\\', StringComparison.Ordinal) + 1)..];
        foreach (var message in new QueueCommands(Administration).GetMessage(new MessageFilter(Status, hop, Sender)))
        {
            WriteObject(Output(message, "MailFlow.Message"));
        }
    }
}

/// <summary>
/// Retry-Queue [-Identity SERVER\next-hop]: its messages are due now. Exchange's name is the alias:
/// Retry is not an approved verb, and a cmdlet named with it makes Import-Module warn (decision 0027).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "QueueRetry", SupportsShouldProcess = true)]
[Alias("Retry-Queue")]
public sealed class RetryQueueCommand : MailFlowCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Identity { get; set; }

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        if (ShouldProcess(Identity ?? "every Retry queue", "Retry-Queue"))
        {
            WriteVerbose($"{new QueueCommands(Administration).RetryQueue(Identity)} message(s) are due now");
        }
    }
}

/// <summary>The three per-message actions share identity binding (from Get-Message by property name).</summary>
public abstract class MessageActionCmdlet : MailFlowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Identity { get; set; } = string.Empty;

    protected override object? ErrorTarget => Identity;
}

[Cmdlet(VerbsLifecycle.Suspend, "Message", SupportsShouldProcess = true)]
public sealed class SuspendMessageCommand : MessageActionCmdlet
{
    protected override void Process()
    {
        if (ShouldProcess(Identity, "Suspend-Message"))
        {
            new QueueCommands(Administration).SuspendMessage(Identity);
        }
    }
}

[Cmdlet(VerbsLifecycle.Resume, "Message", SupportsShouldProcess = true)]
public sealed class ResumeMessageCommand : MessageActionCmdlet
{
    protected override void Process()
    {
        if (ShouldProcess(Identity, "Resume-Message"))
        {
            new QueueCommands(Administration).ResumeMessage(Identity);
        }
    }
}

/// <summary>Remove-Message -Identity … [-WithNDR $true|$false] (Exchange's default is $true).</summary>
[Cmdlet(VerbsCommon.Remove, "Message", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveMessageCommand : MessageActionCmdlet
{
    [Parameter]
    public bool WithNDR { get; set; } = true;

    protected override void Process()
    {
        if (ShouldProcess(Identity, $"Remove-Message -WithNDR ${WithNDR}"))
        {
            new QueueCommands(Administration).RemoveMessage(Identity, WithNDR);
        }
    }
}
