using System.CommandLine;
using System.Globalization;
using MailFlow.Management.Queues;
using MailFlow.Queue;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow queue …</c>: Get-Queue, Get-Message, Retry-Queue, Suspend-/Resume-/Remove-Message.</summary>
internal static class QueueCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("queue", "The delivery queue, through the running service when there is one");

        var status = new Option<MessageState?>("--status", "--Status") { Description = "Ready, Retry, Suspended or Poison" };
        var list = new Command("list", "Get-Queue: one row per next hop") { status };
        list.SetAction(wrap(context =>
        {
            var queues = new QueueCommands(context.Administration).GetQueue(context.Parse.GetValue(status));
            if (context.Output.Json)
            {
                context.Output.WriteJson(queues, json => json.IReadOnlyListQueueInfo);
            }
            else
            {
                context.Output.WriteTable(["Identity", "DeliveryType", "Status", "MessageCount", "NextRetryTime", "LastError"],
                    queues.Select(q => (IReadOnlyList<string>)[q.Identity, q.DeliveryType, q.Status.ToString(), q.MessageCount.ToString(CultureInfo.InvariantCulture),
                        q.NextRetryTime?.ToString("u", CultureInfo.InvariantCulture) ?? string.Empty, q.LastError ?? string.Empty]), "the queue is empty");
            }

            return MailFlowCli.Success;
        }));

        var messageStatus = new Option<MessageState?>("--status", "--Status") { Description = "Ready, Retry, Suspended or Poison" };
        var sender = new Option<string?>("--sender", "--FromAddress") { Description = "Only messages from this sender" };
        var queue = new Option<string?>("--queue", "--Queue") { Description = "Only messages waiting for this next hop (SERVER\\domain.com or the name alone)" };
        var messages = new Command("messages", "Get-Message") { messageStatus, sender, queue };
        messages.SetAction(wrap(context =>
        {
            var hop = context.Parse.GetValue(queue);
            hop = hop?[(hop.IndexOf('\\', StringComparison.Ordinal) + 1)..];
            var found = new QueueCommands(context.Administration).GetMessage(new MessageFilter(context.Parse.GetValue(messageStatus), hop, context.Parse.GetValue(sender)));
            if (context.Output.Json)
            {
                context.Output.WriteJson(found, json => json.IReadOnlyListMessageInfo);
            }
            else
            {
                context.Output.WriteTable(["Identity", "FromAddress", "Status", "RetryCount", "Recipients", "LastError"],
                    found.Select(m => (IReadOnlyList<string>)[m.Identity, m.FromAddress.Length == 0 ? "<>" : m.FromAddress, m.Status.ToString(), m.RetryCount.ToString(CultureInfo.InvariantCulture),
                        string.Join("; ", m.Recipients.Select(r => $"{r.Address} {r.State}")), m.LastError ?? string.Empty]), "no messages match");
            }

            return MailFlowCli.Success;
        }));

        var retryIdentity = new Argument<string?>("queue") { Description = "SERVER\\next-hop (all Retry queues when left out)", Arity = ArgumentArity.ZeroOrOne };
        var retry = new Command("retry", "Retry-Queue: make the queue's messages due now") { retryIdentity };
        retry.SetAction(wrap(context =>
        {
            var count = new QueueCommands(context.Administration).RetryQueue(context.Parse.GetValue(retryIdentity));
            context.Output.Out.WriteLine($"{count} message(s) will be retried now.");
            return MailFlowCli.Success;
        }));

        command.Subcommands.Add(list);
        command.Subcommands.Add(messages);
        command.Subcommands.Add(retry);
        command.Subcommands.Add(MessageAction("suspend", "Suspend-Message", wrap, (c, id) => new QueueCommands(c.Administration).SuspendMessage(id), "suspended"));
        command.Subcommands.Add(MessageAction("resume", "Resume-Message", wrap, (c, id) => new QueueCommands(c.Administration).ResumeMessage(id), "resumed"));

        var withNdr = new Option<bool>("--with-ndr", "--WithNDR") { Description = "Return the message to its sender with an NDR" };
        var removeIdentity = new Argument<string>("message") { Description = "SERVER\\queue\\id or the id" };
        var remove = new Command("remove", "Remove-Message") { removeIdentity, withNdr };
        remove.SetAction(wrap(context =>
        {
            new QueueCommands(context.Administration).RemoveMessage(context.Parse.GetValue(removeIdentity)!, context.Parse.GetValue(withNdr));
            context.Output.Out.WriteLine(context.Parse.GetValue(withNdr) ? "Removed; the sender gets an NDR." : "Removed without an NDR.");
            return MailFlowCli.Success;
        }));
        command.Subcommands.Add(remove);
        return command;
    }

    private static Command MessageAction(string name, string cmdlet, Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap, Action<CommandContext, string> action, string done)
    {
        var identity = new Argument<string>("message") { Description = "SERVER\\queue\\id or the id" };
        var command = new Command(name, cmdlet) { identity };
        command.SetAction(wrap(context =>
        {
            action(context, context.Parse.GetValue(identity)!);
            context.Output.Out.WriteLine($"Message {done}.");
            return MailFlowCli.Success;
        }));
        return command;
    }
}
