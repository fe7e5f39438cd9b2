using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using MailFlow.Management.Parameters;

namespace MailFlow.Cli.Commands;

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

    /// <summary>One option per Exchange parameter: <c>--TlsCertificateName</c>, also spelled <c>--tls-certificate-name</c>.</summary>
    public static List<Option<string>> ParameterOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(IEnumerable<string> parameters) =>
        parameters.Select(p => new Option<string>("--" + p, "--" + Kebab(p)) { Description = ObjectParameters.Hint<T>(p) }).ToList();

    public static Dictionary<string, string?> Collect(ParseResult parse, IEnumerable<Option<string>> options) =>
        options.Where(o => parse.GetResult(o) is not null)
            .ToDictionary(o => o.Name.TrimStart('-'), o => (string?)parse.GetValue(o), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Says when a change a running transport reads only at start applies: at a restart if a service
    /// runs for this data directory (its control socket answers), else at the next serve, so nobody
    /// restarts a service that is not there.
    /// </summary>
    public static void NoteAppliesAtRestart(CommandContext context, string what)
    {
        using var running = Management.Control.ControlClient.TryConnect(context.Data);
        context.Output.Note(running is not null
            ? $"{what} take effect when the transport restarts (mailflow service restart)"
            : $"{what} take effect when the transport starts (no mailflow serve runs for {context.Data.Root} now)");
    }

    public static void WriteView(CommandContext context, IReadOnlyList<KeyValuePair<string, string>> view)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(Dictionary(view), json => json.DictionaryStringString);
        }
        else
        {
            context.Output.WriteFormatList(view);
        }
    }

    public static Dictionary<string, string> Dictionary(IReadOnlyList<KeyValuePair<string, string>> view) => view.ToDictionary(p => p.Key, p => p.Value);

    public static string Kebab(string pascal)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            var boundary = i > 0 && char.IsUpper(c) && (char.IsLower(pascal[i - 1]) || (i + 1 < pascal.Length && char.IsLower(pascal[i + 1])));
            if (boundary)
            {
                builder.Append('-');
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
