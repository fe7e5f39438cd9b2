using System.CommandLine;
using System.Globalization;
using MailFlow.Management.Trust;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow trust …</c>: extra roots for validating peers' certificates.</summary>
internal static class TrustCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("trust", "Trusted roots for validating other servers' certificates (the system roots, plus these)");

        var list = new Command("list", "List the extra trusted roots");
        list.SetAction(wrap(context =>
        {
            var commands = new TrustCommands(context.Administration);
            var roots = commands.List();
            if (context.Output.Json)
            {
                context.Output.WriteJson(new TrustSettingsView(commands.UsesSystemRoots, roots), json => json.TrustSettingsView);
                return MailFlowCli.Success;
            }

            context.Output.Out.WriteLine($"System roots: {(commands.UsesSystemRoots ? "trusted" : "not trusted")}");
            context.Output.WriteTable(["Thumbprint", "Subject", "NotAfter", "File"], roots.Select(r => (IReadOnlyList<string>)[r.Thumbprint, r.Subject, r.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.File]), "no extra trusted roots (add one with mailflow trust add FILE)");
            return MailFlowCli.Success;
        }));

        var file = new Argument<string>("file") { Description = "PEM or DER file with one or more root certificates" };
        var add = new Command("add", "Trust the root certificate(s) in FILE") { file };
        add.SetAction(wrap(context =>
        {
            foreach (var root in new TrustCommands(context.Administration).Add(context.Parse.GetValue(file)!))
            {
                context.Output.Out.WriteLine($"Trusted {root.Subject} ({root.Thumbprint}).");
            }

            return MailFlowCli.Success;
        }));

        var remove = CommonCommands.Remove("Stop trusting a root (by thumbprint or configured file name)", "root", wrap, (context, root) => new TrustCommands(context.Administration).Remove(root));

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        return command;
    }
}
