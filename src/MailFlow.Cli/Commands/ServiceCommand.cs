using System.CommandLine;
using System.Globalization;
using MailFlow.Management.Control;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow service status|restart</c>: the running transport, through its control channel.</summary>
internal static class ServiceCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("service", "The running transport (mailflow serve): status and restart");

        var status = new Command("status", "Uptime, listeners with the certificate each presents, queue counts, sessions");
        status.SetAction(wrap(context =>
        {
            Write(context, new ServiceCommands(context.Administration).Status());
            return MailFlowCli.Success;
        }));

        var restart = new Command("restart", "Restart-TransportService: re-read configuration and certificates, recompute certificate selection, rebind");
        restart.SetAction(wrap(context =>
        {
            var after = new ServiceCommands(context.Administration).Restart();
            if (!context.Output.Json)
            {
                context.Output.Out.WriteLine("Transport restarted.");
            }

            Write(context, after);
            return MailFlowCli.Success;
        }));

        command.Subcommands.Add(status);
        command.Subcommands.Add(restart);
        return command;
    }

    private static void Write(CommandContext context, ServiceStatus status)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(status, json => json.ServiceStatus);
            return;
        }

        var uptime = DateTimeOffset.UtcNow - status.StartedUtc;
        context.Output.WriteFormatList(
        [
            new("Server", status.Server),
            new("ProcessId", status.ProcessId.ToString(CultureInfo.InvariantCulture)),
            new("Uptime", $"{(int)uptime.TotalDays}.{uptime:hh\\:mm\\:ss}"),
            new("Restarts", status.Restarts.ToString(CultureInfo.InvariantCulture)),
            new("LastRestart", status.LastRestartUtc.ToString("u", CultureInfo.InvariantCulture)),
            new("ConfigurationRevision", status.ConfigurationRevision.ToString(CultureInfo.InvariantCulture)),
            new("ActiveSessions", status.ActiveSessions.ToString(CultureInfo.InvariantCulture)),
            new("Queue", status.Queue.Count == 0 ? "empty" : string.Join(", ", status.Queue.Select(q => $"{q.Key} {q.Value}"))),
        ]);
        context.Output.WriteTable(["Endpoint", "Connector", "Certificate", "Subject"],
            status.Listeners.Select(l => (IReadOnlyList<string>)[l.Endpoint, l.Connector, l.CertificateThumbprint ?? "(no STARTTLS)", l.CertificateSubject ?? string.Empty]), "the service listens on nothing");
    }
}
