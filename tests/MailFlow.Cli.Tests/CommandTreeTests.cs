using System.CommandLine;

namespace MailFlow.Cli.Tests;

/// <summary>
/// The CLI builds only the top-level command its first argument names (start-up, docs/decisions/0029).
/// These tests hold that shortcut to the full tree: same names, and each command alone behaves as in
/// the whole tree.
/// </summary>
public sealed class CommandTreeTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Each_entry_of_the_table_builds_the_command_it_is_named_after()
    {
        var full = MailFlowCli.Build([], TextWriter.Null, TextWriter.Null, NoEnvironment);

        Assert.Equal(MailFlowCli.Commands.Select(c => c.Name), full.Subcommands.Select(c => c.Name));
    }

    public static TheoryData<string> Names() => [.. MailFlowCli.Commands.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void A_command_built_alone_has_the_help_it_has_in_the_whole_tree(string name)
    {
        var alone = Assert.Single(MailFlowCli.Build([name], TextWriter.Null, TextWriter.Null, NoEnvironment).Subcommands);
        var inTree = MailFlowCli.Build([], TextWriter.Null, TextWriter.Null, NoEnvironment).Subcommands.Single(c => c.Name == name);

        Assert.Equal(HelpOf(inTree), HelpOf(alone));
        Assert.NotEmpty(alone.Subcommands.Count > 0 ? alone.Subcommands : alone.Options);
    }

    [Fact]
    public void Root_help_lists_every_command()
    {
        using var stdout = new StringWriter();

        Assert.Equal(0, MailFlowCli.Run(["--help"], stdout, TextWriter.Null, NoEnvironment));

        Assert.All(MailFlowCli.Commands, c => Assert.Matches($"(?m)^  {c.Name} ", stdout.ToString()));
    }

    /// <summary>Every command's help, its own and its subcommands' (options and arguments included), as one text.</summary>
    private static string HelpOf(Command command)
    {
        using var text = new StringWriter();
        var root = new RootCommand { command };
        foreach (var path in Paths(command, [command.Name]))
        {
            root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = text });
        }

        return text.ToString();
    }

    private static IEnumerable<string[]> Paths(Command command, string[] path) =>
        command.Subcommands.SelectMany(s => Paths(s, [.. path, s.Name])).Prepend(path);
}
