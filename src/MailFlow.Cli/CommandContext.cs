using System.CommandLine;
using MailFlow.Cli.Output;
using MailFlow.Core.Errors;
using MailFlow.Core.Security;
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
            RefuseFile();
            BecomeDataOwner();
            if (!File.Exists(Data.ConfigurationFile))
            {
                throw new MailFlowException($"no data directory at {Data.Root} (no {Path.GetFileName(Data.ConfigurationFile)}): create one with 'mailflow init', or point --data or ${DataDirectory.EnvironmentVariable} at an existing one", MailFlowErrorKind.NotFound);
            }

            return ServerAdministration.Open(Data, initialize: false);
        });
    }

    public ParseResult Parse { get; }

    public CliOutput Output { get; }

    public DataDirectory Data { get; }

    /// <summary>The existing data directory: only init and serve create one, so a mistyped --data never becomes a second server.</summary>
    public ServerAdministration Administration => administration.Value;

    /// <summary>For serve: the data directory, created with the embedded default on first use.</summary>
    public ServerAdministration OpenOrCreate()
    {
        RefuseFile();
        var opened = ServerAdministration.Open(Data);
        if (opened.Initialized is { } created)
        {
            Output.Note($"created data directory {Data.Root} for server {created.Server.Name} ({created.Server.Fqdn}) with Exchange's default receive connectors and the self-signed certificate {created.SelfSignedCertificate?.Thumbprint}");
        }

        return opened;
    }

    /// <summary>
    /// Run as root against a data directory that belongs to a service account (the package's
    /// /var/lib/mailflow belongs to mailflow), a command becomes that account before it touches a file:
    /// what it writes stays readable by the service, and the admin's root does nothing there that the
    /// service could not. serve is the exception: it binds its ports as root first.
    /// </summary>
    public void BecomeDataOwner()
    {
        if (ProcessIdentity.IsRoot && ProcessIdentity.OwnerOf(Data.Root) is { UserId: not 0 } owner)
        {
            ProcessIdentity.DropTo(ProcessIdentity.ForUserId(owner.UserId, owner.GroupId));
        }
    }

    /// <summary>A file where the data directory should be: said so, rather than .NET's "The file … already exists" from creating folders in it.</summary>
    public void RefuseFile()
    {
        if (File.Exists(Data.Root))
        {
            throw new MailFlowException($"--data {Data.Root} is a file, not a data directory", MailFlowErrorKind.InvalidArgument);
        }
    }
}

internal static class GlobalOptions
{
    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Data directory (default: $MAILFLOW_DATA, else /var/lib/mailflow as root or its owner, else ~/.local/share/mailflow)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write JSON instead of text (read commands)",
        Recursive = true,
    };
}
