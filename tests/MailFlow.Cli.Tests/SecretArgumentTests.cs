using System.CommandLine;

namespace MailFlow.Cli.Tests;

/// <summary>
/// A password on a command line is readable by every local user (ps, /proc/PID/cmdline): no command
/// takes one as a value (docs/decisions/0030), and one given anyway is answered with where it goes.
/// </summary>
public sealed class SecretArgumentTests
{
    [Fact]
    public void No_option_or_argument_of_any_command_takes_a_password_or_secret_as_its_value()
    {
        var tree = MailFlowCli.Build([], TextWriter.Null, TextWriter.Null, _ => null);
        var offenders = new List<string>();
        Walk(tree, "mailflow", offenders);

        Assert.Empty(offenders);
    }

    [Fact]
    public void A_password_given_as_an_option_is_refused_with_where_it_goes_instead()
    {
        using var stderr = new StringWriter();

        var code = MailFlowCli.Run(["cert", "import", "hybrid.pfx", "--password", "pw"], TextWriter.Null, stderr, _ => null);

        Assert.Equal(MailFlowCli.UsageError, code);
        Assert.Contains("--password: passwords are not taken as arguments, since every local user can read a command line (ps); give it with --password-file or $MAILFLOW_CERT_PASSWORD", stderr.ToString(), StringComparison.Ordinal);
    }

    private static void Walk(Command command, string path, List<string> offenders)
    {
        var names = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).Concat(command.Arguments.Select(a => a.Name));
        offenders.AddRange(names
            .Where(n => (n.Contains("password", StringComparison.OrdinalIgnoreCase) || n.Contains("secret", StringComparison.OrdinalIgnoreCase)) && !n.EndsWith("-file", StringComparison.Ordinal))
            .Select(n => $"{path} {n}"));
        foreach (var sub in command.Subcommands)
        {
            Walk(sub, $"{path} {sub.Name}", offenders);
        }
    }
}
