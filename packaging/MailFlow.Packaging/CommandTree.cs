using System.CommandLine;
using System.CommandLine.Completions;

namespace MailFlow.Packaging;

/// <summary>One command of the tree, by its path from the root, with every option it accepts.</summary>
internal sealed record CommandNode(IReadOnlyList<string> Path, Command Command, IReadOnlyList<Option> InScope)
{
    public string Name => string.Join(' ', Path);

    public bool Runs => Command.Action is not null;
}

/// <summary>
/// The whole mailflow command tree, flattened. <see cref="Cli.MailFlowCli.Build"/> with no arguments builds
/// every top-level command (the CLI builds only the one it runs, for start-up), which is what a man page
/// and a completion script must describe.
/// </summary>
internal sealed class CommandTree
{
    private CommandTree(RootCommand root, IReadOnlyList<CommandNode> nodes)
    {
        Root = root;
        Nodes = nodes;
    }

    public RootCommand Root { get; }

    /// <summary>Every visible command, the root first, then depth first in help order.</summary>
    public IReadOnlyList<CommandNode> Nodes { get; }

    public static CommandTree Load()
    {
        var root = Cli.MailFlowCli.Build([], TextWriter.Null, TextWriter.Null, _ => null);
        var nodes = new List<CommandNode>();
        Walk(root, [], [], nodes);
        return new CommandTree(root, nodes);
    }

    /// <summary>
    /// Options that more than one command declares (the same instance: --data, --json) or that the root
    /// passes down (--help): described once, not under each of the hundred commands that take them.
    /// </summary>
    public IReadOnlyList<Option> Common()
    {
        var declared = Nodes.SelectMany(n => n.Command.Options).Where(Visible).ToList();
        return [.. declared.Distinct().Where(o => o.Recursive && (Root.Options.Contains(o) || declared.Count(d => d == o) > 1))];
    }

    /// <summary>The commands that run and do not take <paramref name="option"/>, a top-level name standing for all of its own.</summary>
    public IReadOnlyList<string> Without(Option option)
    {
        var runnable = Nodes.Where(n => n.Runs && n.Path.Count > 0).ToList();
        var lacking = runnable.Where(n => !n.InScope.Contains(option)).ToList();
        return [.. lacking.GroupBy(n => n.Path[0]).SelectMany(group =>
            group.Count() == runnable.Count(n => n.Path[0] == group.Key) ? [group.Key] : group.Select(n => n.Name))];
    }

    public static bool Visible(Symbol symbol) => !symbol.Hidden;

    public static bool TakesValue(Option option) => option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0;

    /// <summary>The option's names a user types: its name first, then aliases (the Windows-style /h and /? left out).</summary>
    public static IReadOnlyList<string> Names(Option option) => [option.Name, .. option.Aliases.Where(a => a.StartsWith('-')).Order(StringComparer.Ordinal)];

    /// <summary>The fixed values an option or argument takes (an enum's names), else none.</summary>
    public static IReadOnlyList<string> Values(Symbol symbol) => symbol switch
    {
        Option option when TakesValue(option) => [.. option.GetCompletions(CompletionContext.Empty).Select(c => c.Label)],
        Argument argument => [.. argument.GetCompletions(CompletionContext.Empty).Select(c => c.Label)],
        _ => [],
    };

    private static void Walk(Command command, IReadOnlyList<string> path, IReadOnlyList<Option> inherited, List<CommandNode> nodes)
    {
        var own = command.Options.Where(Visible).ToList();
        var inScope = inherited.Where(o => !own.Contains(o)).Concat(own).ToList();
        nodes.Add(new CommandNode(path, command, inScope));
        var passedDown = inScope.Where(o => o.Recursive).ToList();
        foreach (var subcommand in command.Subcommands.Where(Visible))
        {
            Walk(subcommand, [.. path, subcommand.Name], passedDown, nodes);
        }
    }
}
