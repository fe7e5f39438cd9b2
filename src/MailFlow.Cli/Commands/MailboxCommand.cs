using System.CommandLine;
using MailFlow.Configuration.Model;
using MailFlow.Management.Recipients;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow mailbox …</c>: Get-/New-/Remove-Mailbox, the local mailboxes mail is delivered to.</summary>
internal static class MailboxCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("mailbox", "Local mailboxes (only these, and postmaster, receive mail for Authoritative domains)");

        var identity = new Argument<string?>("identity") { Description = "A mailbox's name or address (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var list = new Command("list", "Get-Mailbox") { identity };
        list.SetAction(wrap(context =>
        {
            var mailboxes = new MailboxCommands(context.Administration).Get(context.Parse.GetValue(identity));
            if (context.Output.Json)
            {
                context.Output.WriteJson(mailboxes, json => json.IReadOnlyListMailboxView);
            }
            else
            {
                context.Output.WriteTable(["Name", "PrimarySmtpAddress", "Maildir"], mailboxes.Select(m => (IReadOnlyList<string>)[m.Name, m.PrimarySmtpAddress, m.Maildir]), "no mailboxes (add one with mailflow mailbox add ADDRESS)");
            }

            return MailFlowCli.Success;
        }));

        var address = new Argument<string>("address") { Description = "The mailbox's address, e.g. user@domain.com, in an Authoritative accepted domain" };
        var name = new Option<string?>("--name", "--Name") { Description = "Name (default: the address)" };
        var add = new Command("add", "New-Mailbox: add a mailbox and create its Maildir") { address, name };
        add.SetAction(wrap(context =>
        {
            var created = new MailboxCommands(context.Administration).New(context.Parse.GetValue(address)!, context.Parse.GetValue(name));
            context.Output.Out.WriteLine($"Added mailbox {created.PrimarySmtpAddress} ({created.Name}), Maildir {created.Maildir}. Restart the transport for running listeners to see it.");
            return MailFlowCli.Success;
        }));

        var removeIdentity = new Argument<string>("identity") { Description = "The mailbox's name or address" };
        var remove = new Command("remove", "Remove-Mailbox: the mailbox goes from the configuration; its Maildir stays on disk") { removeIdentity };
        remove.SetAction(wrap(context =>
        {
            var removed = new MailboxCommands(context.Administration).Remove(context.Parse.GetValue(removeIdentity)!);
            context.Output.Out.WriteLine($"Removed mailbox {removed.PrimarySmtpAddress}. Its Maildir {removed.Maildir} is kept. Restart the transport for running listeners to see it.");
            return MailFlowCli.Success;
        }));

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        return command;
    }

    /// <summary>What to tell an admin whose server has no mailbox yet (a fresh data directory): only postmaster receives mail.</summary>
    public static string? Hint(MailFlowConfiguration configuration)
    {
        if (configuration.Mailboxes.Count > 0)
        {
            return null;
        }

        var authoritative = configuration.AcceptedDomains.Where(d => d.DomainType == AcceptedDomainType.Authoritative).Select(d => d.DomainName.TrimStart('*', '.')).ToList();
        var example = authoritative.FirstOrDefault() ?? "domain.com";
        var postmasters = authoritative.Count == 0 ? "nobody" : string.Join(", ", authoritative.Select(d => "postmaster@" + d));
        return $"no mailboxes exist yet: local mail is delivered only to {postmasters}; add one with 'mailflow mailbox add user@{example}'.";
    }
}
