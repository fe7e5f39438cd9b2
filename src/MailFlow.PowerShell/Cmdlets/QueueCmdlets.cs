using System.Management.Automation;
using MailFlow.Core.Errors;
using MailFlow.Management.Queues;
using MailFlow.Queue;
using MailFlow.Transport.Administration;

namespace MailFlow.PowerShell.Cmdlets;

/// <summary>Get-Queue [[-Identity] SERVER\next-hop] [-Server SERVER] [-ResultSize N|Unlimited]; filter further with Where-Object (Status, DeliveryType…).</summary>
[Cmdlet(VerbsCommon.Get, "Queue")]
[OutputType(typeof(QueueInfo))]
public sealed class GetQueueCommand : MailFlowCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    /// <summary>The queues of this server (its name or FQDN); another server is not found.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>Exchange's Unlimited&lt;int&gt;: a number, or Unlimited; the default is 1000.</summary>
    [Parameter]
    public string ResultSize { get; set; } = "1000";

    protected override object? ErrorTarget => Identity ?? Server;

    /// <summary>
    /// The queue named by its identity (SERVER\next-hop) or next hop, as Exchange finds it; a name that is no queue
    /// is not found, as on Exchange, rather than an empty answer that reads like an empty queue.
    /// </summary>
    internal static QueueInfo Find(QueueCommands commands, string identity) =>
        commands.GetQueue().FirstOrDefault(q => q.Identity.Equals(identity, StringComparison.OrdinalIgnoreCase) || q.NextHopDomain.Equals(identity, StringComparison.OrdinalIgnoreCase))
        ?? throw new MailFlowException($"queue \"{identity}\" was not found on this server", MailFlowErrorKind.NotFound);

    protected override void Process()
    {
        EnsureLocalServer(Server);
        var commands = new QueueCommands(Administration);
        var limit = ResultLimit(ResultSize);
        foreach (var queue in (Identity is null ? commands.GetQueue() : [Find(commands, Identity)]).Take(limit))
        {
            WriteObject(Output(queue, "MailFlow.Queue"));
        }
    }
}

/// <summary>Get-Message [-Queue SERVER\next-hop] [-Sender a@b] [-Status Retry] [-ResultSize N|Unlimited].</summary>
[Cmdlet(VerbsCommon.Get, "Message")]
[OutputType(typeof(MessageInfo))]
public sealed class GetMessageCommand : MailFlowCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Identity")]
    [ValidateNotNullOrEmpty]
    public string? Queue { get; set; }

    [Parameter]
    public string? Sender { get; set; }

    [Parameter]
    public MessageState? Status { get; set; }

    /// <summary>Exchange's Unlimited&lt;int&gt;: a number, or Unlimited; the default is 1000.</summary>
    [Parameter]
    public string ResultSize { get; set; } = "1000";

    protected override object? ErrorTarget => Queue;

    protected override void Process()
    {
        var commands = new QueueCommands(Administration);
        var limit = ResultLimit(ResultSize);
        var hop = Queue is null ? null : GetQueueCommand.Find(commands, Queue).NextHopDomain;
        foreach (var message in commands.GetMessage(new MessageFilter(Status, hop, Sender)).Take(limit))
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
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    protected override object? ErrorTarget => Identity;

    protected override void Process()
    {
        var commands = new QueueCommands(Administration);
        var queue = Identity is null ? null : GetQueueCommand.Find(commands, Identity).Identity;
        if (ShouldProcess(Identity ?? "every Retry queue", "Retry-Queue"))
        {
            WriteVerbose($"{commands.RetryQueue(queue)} message(s) are due now");
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
