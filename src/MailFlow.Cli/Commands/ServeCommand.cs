using System.CommandLine;
using System.Runtime.InteropServices;
using MailFlow.Logs;
using MailFlow.Queue;
using MailFlow.Smtp.Server;
using MailFlow.Transport.Delivery;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow serve</c>: runs the receive connectors in the foreground until SIGTERM or Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var drain = new Option<int>("--drain-seconds") { Description = "How long open sessions may finish at shutdown", DefaultValueFactory = _ => 30 };
        var command = new Command("serve", "Run the transport: every enabled receive connector, the queue and delivery (local Maildir, send connectors), logging in Exchange's formats") { drain };
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
            using var queue = new QueueDatabase(context.Data.Queue);
            var transport = configuration.Transport;
            var sendLogDirectory = Path.IsPathRooted(transport.SendProtocolLogPath) ? transport.SendProtocolLogPath : Path.Combine(context.Data.Root, transport.SendProtocolLogPath);
            var sendLogWriter = new ExchangeLogWriter(sendLogDirectory, ExchangeLogFormat.SmtpSend,
                new LogRotation(transport.ProtocolLogMaxFileSize, transport.ProtocolLogMaxDirectorySize, transport.ProtocolLogMaxAge), administration.Time);
            var agent = new DeliveryAgent(configuration, queue, service.Context.Spool,
                new MaildirDelivery(context.Data.Mailboxes, configuration.Server.Fqdn, administration.Time),
                new OutboundDelivery(configuration, administration.LoadTrustAnchors(configuration), ReasonFormat.Brace, administration.Time,
                    new ProtocolLog(sendLogWriter, transport.ProtocolLogCertificateFormat, administration.Time), inventory.Certificates),
                service.Context.Tracking, administration.Time);
            var delivery = new DeliveryService(agent, TimeSpan.FromSeconds(5), ex => context.Output.Note($"delivery: {ex.Message}"));
            service.Context.MessageAccepted += delivery.Nudge;
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

                context.Output.Out.WriteLine($"protocol logs: {service.ReceiveProtocolLogDirectory}, {sendLogDirectory}");
                context.Output.Out.WriteLine($"message tracking: {service.MessageTrackingLogDirectory}");
                context.Output.Out.WriteLine($"queue: {context.Data.Queue}; local mailboxes: {context.Data.Mailboxes}");
                context.Output.Out.WriteLine("ready");
                context.Output.Out.Flush();
                stop.Wait();
                service.StopAsync(TimeSpan.FromSeconds(context.Parse.GetValue(drain))).GetAwaiter().GetResult();
            }
            finally
            {
                delivery.DisposeAsync().AsTask().GetAwaiter().GetResult();
                sendLogWriter.DisposeAsync().AsTask().GetAwaiter().GetResult();
                service.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return MailFlowCli.Success;
        }));
        return command;
    }
}
