using System.CommandLine;
using MailFlow.Core.Diagnostics;
using MailFlow.Core.Errors;
using MailFlow.Core.Security;
using MailFlow.Core.Storage;
using MailFlow.Management;
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
        var user = new Option<string?>("--user") { Description = "Started as root: the account to run as once the listeners are bound (default: the data directory's owner when that is not root)" };
        var command = new Command("serve", "Run the transport: every enabled receive connector, the queue and delivery (local Maildir, send connectors), logging in Exchange's formats") { drain, user };
        command.SetAction(wrap(context =>
        {
            var output = context.Output;
            var log = OperationalLog.ForStandardError(output.Error, Environment.GetEnvironmentVariable);
            var runAs = RunAs(context, context.Parse.GetValue(user), log);
            ServerAdministration administration;
            using (runAs is null ? null : ProcessIdentity.ActAs(runAs))
            {
                administration = context.OpenOrCreate();
            }

            TransportHost.RunAsync(administration, TimeSpan.FromSeconds(context.Parse.GetValue(drain)), runAs, service => Describe(service, context), log.Write)
                .GetAwaiter().GetResult();

            // Without it, the end of a foreground run (Ctrl+C, SIGTERM) reads the same as a hang or a crash.
            output.Out.WriteLine("stopped: sessions drained, logs flushed");
            return MailFlowCli.Success;
        }));
        return command;
    }

    /// <summary>
    /// Who serve becomes after binding when started as root (docs/decisions/0030): the account --user
    /// names, else the data directory's owner. A root-owned data directory with no --user keeps root,
    /// said as a warning, since there is no account to give the files to.
    /// </summary>
    private static ServiceAccount? RunAs(CommandContext context, string? user, OperationalLog log)
    {
        if (!ProcessIdentity.IsRoot)
        {
            if (user is not null)
            {
                throw new MailFlowException($"--user {user} needs a start as root (this process runs as uid {ProcessIdentity.UserId}); a service manager that starts it as that account grants the port instead (AmbientCapabilities=CAP_NET_BIND_SERVICE)", MailFlowErrorKind.InvalidArgument);
            }

            return null;
        }

        context.RefuseFile();
        var owner = ProcessIdentity.OwnerOf(context.Data.Root);
        if (user is null)
        {
            if (owner is { UserId: not 0 } found)
            {
                return ProcessIdentity.ForUserId(found.UserId, found.GroupId);
            }

            log.Write(Severity.Warning, $"running as root after start-up: every SMTP session, MIME parse and TLS handshake would have root's privileges. Give the data directory to a service account (chown -R mailflow:mailflow {context.Data.Root}) or name one with --user; the packaged unit runs as mailflow");
            return null;
        }

        var account = ProcessIdentity.Find(user)
            ?? throw new MailFlowException($"--user {user}: no such account (create one: adduser --system --group --home {context.Data.Root} --no-create-home {user})", MailFlowErrorKind.InvalidArgument);
        if (account.UserId == 0)
        {
            throw new MailFlowException($"--user {user} is root: name the unprivileged account serve should run as", MailFlowErrorKind.InvalidArgument);
        }

        if (owner is null)
        {
            // A first start: the directory is made here, as root can, and given to the account before anything is put in it.
            DurableFile.EnsurePrivateDirectory(context.Data.Root);
            ProcessIdentity.ChangeOwner(context.Data.Root, account);
        }
        else if (owner.Value.UserId != account.UserId)
        {
            var current = ProcessIdentity.ForUserId(owner.Value.UserId, owner.Value.GroupId);
            throw new MailFlowException($"data directory {context.Data.Root} belongs to {current.Name}, not {account.Name}, so {account.Name} could not read or write it: chown -R {account.Name}:{account.Name} {context.Data.Root}", MailFlowErrorKind.OperationFailed);
        }

        return account;
    }

    private static void Describe(TransportService service, CommandContext context)
    {
        var output = context.Output.Out;
        var receive = service.Receive;
        foreach (var connector in receive.Server.Connectors)
        {
            output.WriteLine(TransportService.DescribeCertificate(connector));
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
