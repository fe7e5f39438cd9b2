using System.CommandLine;
using System.Runtime.InteropServices;
using MailFlow.Smtp.Server;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow serve</c>: runs the receive connectors in the foreground until SIGTERM or Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var drain = new Option<int>("--drain-seconds") { Description = "How long open sessions may finish at shutdown", DefaultValueFactory = _ => 30 };
        var command = new Command("serve", "Run the transport: every enabled receive connector, logging in Exchange's formats") { drain };
        command.SetAction(wrap(context =>
        {
            var administration = context.Administration;
            var configuration = administration.Configuration.Load();
            var inventory = administration.CertificateStore.List();
            foreach (var problem in inventory.Problems)
            {
                context.Output.Note($"warning: {problem}");
            }

            using var stop = new ManualResetEventSlim();
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; stop.Set(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => { signal.Cancel = true; stop.Set(); });
            var service = ReceiveService.Start(context.Data, configuration, inventory.Certificates, administration.Time);
            try
            {
                if (service.AbandonedStagingFiles > 0)
                {
                    context.Output.Note($"deleted {service.AbandonedStagingFiles} unacknowledged partial message(s) left by an earlier stop");
                }

                foreach (var connector in service.Server.Connectors)
                {
                    var decision = connector.Decision;
                    context.Output.Out.WriteLine(decision.Certificate is { } chosen
                        ? $"{connector.Identity}: STARTTLS with {chosen.Subject} ({chosen.Thumbprint})"
                        : $"{connector.Identity}: no STARTTLS ({decision.Reason})");
                }

                foreach (var listener in service.Server.Listeners)
                {
                    context.Output.Out.WriteLine($"listening on {listener.Endpoint} for {string.Join(", ", listener.Connectors)}");
                }

                context.Output.Out.WriteLine($"protocol log: {service.ReceiveProtocolLogDirectory}");
                context.Output.Out.WriteLine($"message tracking: {service.MessageTrackingLogDirectory}");
                context.Output.Out.WriteLine("ready");
                context.Output.Out.Flush();
                stop.Wait();
                service.StopAsync(TimeSpan.FromSeconds(context.Parse.GetValue(drain))).GetAwaiter().GetResult();
            }
            finally
            {
                service.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return MailFlowCli.Success;
        }));
        return command;
    }
}
