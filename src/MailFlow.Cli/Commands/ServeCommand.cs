using System.CommandLine;
using MailFlow.Service;

namespace MailFlow.Cli.Commands;

/// <summary>
/// <c>mailflow serve</c>: the transport in the foreground until SIGTERM or Ctrl+C; SIGHUP or
/// <c>mailflow service restart</c> bounce it.
/// </summary>
internal static class ServeCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var drain = new Option<int>("--drain-seconds") { Description = "How long open sessions may finish at shutdown and restart", DefaultValueFactory = _ => 30 };
        var command = new Command("serve", "Run the transport: every enabled receive connector, the queue and delivery (local Maildir, send connectors), logging in Exchange's formats") { drain };
        command.SetAction(wrap(context =>
        {
            var output = context.Output;
            TransportHost.RunAsync(context.OpenOrCreate(), TimeSpan.FromSeconds(context.Parse.GetValue(drain)), service => Describe(service, context), output.Note)
                .GetAwaiter().GetResult();

            // Without it, the end of a foreground run (Ctrl+C, SIGTERM) reads the same as a hang or a crash.
            output.Out.WriteLine("stopped: sessions drained, logs flushed");
            return MailFlowCli.Success;
        }));
        return command;
    }

    private static void Describe(TransportService service, CommandContext context)
    {
        var output = context.Output.Out;
        var receive = service.Receive;
        foreach (var connector in receive.Server.Connectors)
        {
            var decision = connector.Decision;
            output.WriteLine(decision.Certificate is { } chosen
                ? $"{connector.Identity}: STARTTLS with {chosen.Subject} ({chosen.Thumbprint})"
                : $"{connector.Identity}: no STARTTLS ({decision.Reason})");
        }

        foreach (var listener in receive.Server.Listeners)
        {
            output.WriteLine($"listening on {listener.Endpoint} for {string.Join(", ", listener.Connectors)}");
        }

        var domains = context.Administration.Configuration.Load().AcceptedDomains;
        output.WriteLine(domains.Count == 0
            ? "accepted domains: none (no mail is taken for local delivery; mailflow domain add adds one)"
            : $"accepted domains: {string.Join(", ", domains.Select(d => $"{d.DomainName} ({d.DomainType}{(d.Default ? ", default" : string.Empty)})"))}");
        output.WriteLine($"protocol logs: {receive.ReceiveProtocolLogDirectory}, {service.SendProtocolLogDirectory}");
        output.WriteLine($"message tracking: {receive.MessageTrackingLogDirectory}");
        output.WriteLine($"queue: {context.Data.Queue}; local mailboxes: {context.Data.Mailboxes}");
        if (MailboxCommand.Hint(context.Administration.Configuration.Load()) is { } hint)
        {
            output.WriteLine(hint);
        }

        output.WriteLine($"control: {Management.Control.ControlClient.SocketPath(context.Data)} (mailflow service status|restart; SIGHUP restarts)");
        output.WriteLine("ready");
        output.Flush();
    }
}
