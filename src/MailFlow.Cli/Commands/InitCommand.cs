using System.CommandLine;
using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;
using MailFlow.Management;

namespace MailFlow.Cli.Commands;

internal static class InitCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var name = new Option<string?>("--server-name") { Description = "Server name, e.g. SERVER1 (default: the host's short name)" };
        var fqdn = new Option<string?>("--fqdn") { Description = "Server FQDN, e.g. SERVER1.domain.com (default: the host's FQDN)" };
        var command = new Command("init", "Create a data directory with Exchange's defaults: five receive connectors and the self-signed certificate")
        {
            name,
            fqdn,
        };
        command.SetAction(wrap(context =>
        {
            var host = EmbeddedDefault.FromHost();
            if (context.Parse.GetValue(name) is not null && context.Parse.GetValue(fqdn) is null)
            {
                throw new MailFlowException("--fqdn is required with --server-name (e.g. --server-name SERVER1 --fqdn SERVER1.domain.com)", MailFlowErrorKind.InvalidArgument);
            }

            var identity = new ServerIdentity
            {
                Name = context.Parse.GetValue(name) ?? host.Name,
                Fqdn = context.Parse.GetValue(fqdn) ?? host.Fqdn,
            };
            context.RefuseFile();
            context.BecomeDataOwner();
            var administration = ServerAdministration.Open(context.Data, identity: identity);
            var created = administration.Initialized
                ?? throw new MailFlowException($"data directory {context.Data.Root} is already initialized ({administration.Configuration.FilePath})", MailFlowErrorKind.AlreadyExists);
            context.Output.Out.WriteLine($"Created {context.Data.Root} for server {created.Server.Name} ({created.Server.Fqdn}).");
            context.Output.Out.WriteLine($"Self-signed certificate {created.SelfSignedCertificate?.Thumbprint} (CN={created.Server.Name}) enabled for IMAP, POP, IIS, SMTP.");
            var configuration = administration.Configuration.Load();
            ConnectorCommand.WriteListeners(context, configuration);
            if (MailboxCommand.Hint(configuration) is { } hint)
            {
                context.Output.Out.WriteLine(hint);
            }
            return MailFlowCli.Success;
        }));
        return command;
    }
}
