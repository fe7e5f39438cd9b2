using System.CommandLine;

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
}
