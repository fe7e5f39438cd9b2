using System.CommandLine;
using MailFlow.Cli.Commands;
using MailFlow.Cli.Output;
using MailFlow.Core.Diagnostics;
using MailFlow.Core.Errors;

namespace MailFlow.Cli;

/// <summary>
/// The <c>mailflow</c> command line. Exit codes: 0 success, 1 the operation failed, 2 usage error
/// (unknown command or option, malformed argument).
/// </summary>
public static class MailFlowCli
{
    public const int Success = 0;
    public const int OperationFailed = 1;
    public const int UsageError = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        environment ??= Environment.GetEnvironmentVariable;
        var root = Build(args, stdout, stderr, environment);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // An unknown word also makes its parent "miss" a subcommand or argument: name the word, not the consequence.
            // Only the first: after an unknown command every later token (its options and values) is unmatched too.
            var messages = parse.UnmatchedTokens.Count > 0
                ? [Unmatched(parse.UnmatchedTokens[0])]
                : parse.Errors.Select(error => error.Message);
            foreach (var message in messages)
            {
                stderr.WriteLine($"mailflow: {message}");
            }

            stderr.WriteLine($"mailflow: run '{string.Join(' ', CommandPath(parse))} --help' for usage");
            return UsageError;
        }

        if (EmptyValue(parse) is { } name)
        {
            stderr.WriteLine($"mailflow: {name} is empty: give a value");
            stderr.WriteLine($"mailflow: run '{string.Join(' ', CommandPath(parse))} --help' for usage");
            return UsageError;
        }

        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    /// <summary>An admin used to other tools' --password is told where a password goes instead, not only that the option is unknown.</summary>
    private static string Unmatched(string token) => token.StartsWith("--password", StringComparison.Ordinal) && !token.StartsWith("--password-file", StringComparison.Ordinal)
        ? $"{token}: passwords are not taken as arguments, since every local user can read a command line (ps); give it with --password-file or ${CertificateCommand.PasswordEnvironmentVariable} / ${UserCommand.PasswordEnvironmentVariable}"
        : $"unknown command or argument '{token}'";

    /// <summary>
    /// The first argument or option given as "" (or blanks): no file, identity or name is empty, and
    /// .NET's guards would otherwise answer with an ArgumentException. explain is the exception: it
    /// reads whatever text it is given and says when it recognised nothing.
    /// </summary>
    private static string? EmptyValue(ParseResult parse)
    {
        if (parse.CommandResult.Command.Name == "explain")
        {
            return null;
        }

        for (var command = parse.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
        {
            foreach (var child in command.Children)
            {
                (string? Name, IReadOnlyList<System.CommandLine.Parsing.Token> Tokens) given = child switch
                {
                    System.CommandLine.Parsing.OptionResult option => (option.Option.Name, option.Tokens),
                    System.CommandLine.Parsing.ArgumentResult argument => ($"<{argument.Argument.Name}>", argument.Tokens),
                    _ => (null, []),
                };
                if (given.Name is not null && given.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value)))
                {
                    return given.Name;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The top-level commands in help order. Lab makes its own data directories and takes --json on its
    /// scenarios itself, so only the others get --data and --json (help lists only options that do something).
    /// </summary>
    internal static readonly IReadOnlyList<(string Name, Func<Func<Func<CommandContext, int>, Func<ParseResult, int>>, Command> Build, bool DataOptions)> Commands =
    [
        ("init", InitCommand.Build, true),
        ("cert", CertificateCommand.Build, true),
        ("connector", ConnectorCommand.Build, true),
        ("domain", DomainCommand.Build, true),
        ("mailbox", MailboxCommand.Build, true),
        ("trust", TrustCommand.Build, true),
        ("user", UserCommand.Build, true),
        ("serve", ServeCommand.Build, true),
        ("service", ServiceCommand.Build, true),
        ("queue", QueueCommand.Build, true),
        ("transport", TransportCommand.Build, true),
        ("track", TransportCommand.BuildTrack, true),
        ("explain", ExplainCommand.Build, true),
        ("probe", ProbeCommand.Build, true),
        ("diagnose", DiagnoseCommand.Build, true),
        ("logs", LogsCommand.Build, true),
        ("lab", LabCommand.Build, false),
    ];

    /// <summary>
    /// The command tree for <paramref name="args"/>: when the first argument names a command, only that one
    /// is built. Building all of them (some hundred commands and options, and the types of every layer
    /// their options name) is a large part of a read command's start-up; help and a mistyped command get all.
    /// </summary>
    internal static RootCommand Build(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        var root = new RootCommand("MailFlow: an SMTP transport with Exchange's connectors, certificate rules and logs, and diagnostics for TLS mail-flow failures.");
        Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap = body => parse => Execute(parse, stdout, stderr, environment, body);
        var named = args.Length > 0 && Commands.Any(c => c.Name == args[0]) ? args[0] : null;
        foreach (var (name, build, dataOptions) in Commands.Where(c => named is null || c.Name == named))
        {
            var command = build(wrap);
            if (dataOptions)
            {
                command.Options.Add(GlobalOptions.Data);
                command.Options.Add(GlobalOptions.Json);
            }

            root.Subcommands.Add(command);
        }

        return root;
    }

    private static int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, Func<CommandContext, int> body)
    {
        var output = new CliOutput(stdout, stderr, parse.GetValue(GlobalOptions.Json));
        try
        {
            return body(new CommandContext(parse, output, environment));
        }
        // Errors at error priority when stderr is the journal: serve's "cannot listen on …" must show under journalctl -p err.
        catch (MailFlowException ex)
        {
            OperationalLog.ForStandardError(stderr, environment).Write(Severity.Error, ex.Message + AsOwnerHint(ex.InnerException));
            return ex.Kind == MailFlowErrorKind.InvalidArgument ? UsageError : OperationFailed;
        }
        catch (UnauthorizedAccessException ex)
        {
            OperationalLog.ForStandardError(stderr, environment).Write(Severity.Error, $"permission denied: {ex.Message}" + AsOwnerHint(ex));
            return OperationFailed;
        }
        catch (IOException ex)
        {
            OperationalLog.ForStandardError(stderr, environment).Write(Severity.Error, ex.Message);
            return OperationFailed;
        }
    }

    /// <summary>
    /// A file refused after a command run as root became the data directory's owner (decision 0030): say
    /// who was reading, or "access denied" to root reads as nonsense.
    /// </summary>
    private static string AsOwnerHint(Exception? cause)
    {
        if (cause is not UnauthorizedAccessException || !Core.Security.ProcessIdentity.DroppedRoot)
        {
            return string.Empty;
        }

        var account = Core.Security.ProcessIdentity.ForUserId(Core.Security.ProcessIdentity.UserId, Core.Security.ProcessIdentity.GroupId).Name;
        return $"{Environment.NewLine}  started as root, this command runs as {account}, the owner of the data directory, so what it writes stays the service's: make the file readable by {account} (docs/decisions/0030)";
    }

    private static Stack<string> CommandPath(ParseResult parse)
    {
        var names = new Stack<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Push(result.Command is RootCommand ? "mailflow" : result.Command.Name);
        }

        return names;
    }
}
