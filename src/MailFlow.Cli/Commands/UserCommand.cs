using System.CommandLine;
using MailFlow.Configuration.Users;
using MailFlow.Core.Errors;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow user …</c>: accounts that may AUTH (salted PBKDF2 hashes in users.json, 0600).</summary>
internal static class UserCommand
{
    public const string PasswordEnvironmentVariable = "MAILFLOW_USER_PASSWORD";

    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("user", "SMTP AUTH accounts");

        var list = new Command("list", "List accounts (names only)");
        list.SetAction(wrap(context =>
        {
            var users = new UserStore(context.Administration.Data).List().Select(u => u.Name).ToList();
            if (context.Output.Json)
            {
                context.Output.WriteJson(users, json => json.ListString);
            }
            else
            {
                users.ForEach(context.Output.Out.WriteLine);
            }

            return MailFlowCli.Success;
        }));

        var name = new Argument<string>("name");
        var passwordFile = new Option<string?>("--password-file") { Description = $"File whose first line is the password (else ${PasswordEnvironmentVariable})" };
        var set = new Command("set", "Create an account or change its password") { name, passwordFile };
        set.SetAction(wrap(context =>
        {
            var password = context.Parse.GetValue(passwordFile) is { } file
                ? File.ReadLines(file).FirstOrDefault()
                : Environment.GetEnvironmentVariable(PasswordEnvironmentVariable);
            if (string.IsNullOrEmpty(password))
            {
                throw new MailFlowException($"give the password with --password-file or ${PasswordEnvironmentVariable}", MailFlowErrorKind.InvalidArgument);
            }

            new UserStore(context.Administration.Data).Set(context.Parse.GetValue(name)!, password);
            context.Output.Out.WriteLine($"Set {context.Parse.GetValue(name)}. Restart the transport for running listeners to see it.");
            return MailFlowCli.Success;
        }));

        command.Subcommands.Add(list);
        command.Subcommands.Add(set);
        command.Subcommands.Add(CommonCommands.Remove("Delete an account", "name", wrap, (context, user) => new UserStore(context.Administration.Data).Remove(user)));
        return command;
    }
}
