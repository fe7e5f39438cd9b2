using System.CommandLine;
using MailFlow.Cli.Output;
using MailFlow.Core.Storage;
using MailFlow.Management;

namespace MailFlow.Cli;

/// <summary>What every command action gets: its parse result, the output, and the data directory (opened on demand).</summary>
internal sealed class CommandContext
{
    private readonly Lazy<ServerAdministration> administration;

    public CommandContext(ParseResult parse, CliOutput output, Func<string, string?> environment)
    {
        Parse = parse;
        Output = output;
        Data = DataDirectory.Resolve(parse.GetValue(GlobalOptions.Data), environment);
        administration = new Lazy<ServerAdministration>(() =>
        {
            var opened = ServerAdministration.Open(Data);
            if (opened.Initialized is { } created)
            {
                Output.Note($"created data directory {Data.Root} for server {created.Server.Name} ({created.Server.Fqdn}) with Exchange's default receive connectors and the self-signed certificate {created.SelfSignedCertificate?.Thumbprint}");
            }

            return opened;
        });
    }

    public ParseResult Parse { get; }

    public CliOutput Output { get; }

    public DataDirectory Data { get; }

    public ServerAdministration Administration => administration.Value;
}

internal static class GlobalOptions
{
    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Data directory (default: $MAILFLOW_DATA, else /var/lib/mailflow as root, else ~/.local/share/mailflow)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write JSON instead of text (read commands)",
        Recursive = true,
    };
}

internal static class CommonCommands
{
    /// <summary>A <c>remove &lt;identity&gt;</c> subcommand: run <paramref name="remove"/>, then say what went.</summary>
    public static Command Remove(string description, string argumentName, Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap, Action<CommandContext, string> remove)
    {
        var identity = new Argument<string>(argumentName);
        var command = new Command("remove", description) { identity };
        command.SetAction(wrap(context =>
        {
            var value = context.Parse.GetValue(identity)!;
            remove(context, value);
            context.Output.Out.WriteLine($"Removed {value}.");
            return MailFlowCli.Success;
        }));
        return command;
    }
}
