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
