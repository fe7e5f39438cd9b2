using System.CommandLine;
using MailFlow.Configuration.Model;
using MailFlow.Management.Domains;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow domain …</c>: Get-/New-/Remove-AcceptedDomain.</summary>
internal static class DomainCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("domain", "Accepted domains (mail for them is delivered here or relayed by rule)");

        var list = new Command("list", "Get-AcceptedDomain");
        list.SetAction(wrap(context =>
        {
            var domains = new AcceptedDomainCommands(context.Administration).Get();
            if (context.Output.Json)
            {
                context.Output.WriteJson(domains, json => json.IReadOnlyListAcceptedDomain);
            }
            else
            {
                context.Output.WriteTable(["Name", "DomainName", "DomainType", "Default", "CatchAllMailbox"], domains.Select(d => (IReadOnlyList<string>)[d.Name, d.DomainName, d.DomainType.ToString(), d.Default ? "True" : "False", d.CatchAllMailbox ?? string.Empty]), "no accepted domains");
            }

            return MailFlowCli.Success;
        }));

        var domainName = new Argument<string>("domain") { Description = "contoso.com, or *.contoso.com for every subdomain" };
        var name = new Option<string?>("--name", "--Name") { Description = "Display name (default: the domain)" };
        var type = new Option<AcceptedDomainType>("--type", "--DomainType") { DefaultValueFactory = _ => AcceptedDomainType.Authoritative };
        var makeDefault = new Option<bool>("--default", "--MakeDefault") { Description = "Make this the default accepted domain" };
        var add = new Command("add", "New-AcceptedDomain") { domainName, name, type, makeDefault };
        add.SetAction(wrap(context =>
        {
            var created = new AcceptedDomainCommands(context.Administration).New(context.Parse.GetValue(domainName)!, context.Parse.GetValue(name), context.Parse.GetValue(type), context.Parse.GetValue(makeDefault));
            context.Output.Out.WriteLine($"Added {created.DomainName} ({created.DomainType}).");
            return MailFlowCli.Success;
        }));

        var setDomain = new Argument<string>("domain") { Description = "The accepted domain's Name or DomainName" };
        var catchAll = new Option<string>("--CatchAllMailbox", "--catch-all-mailbox") { Description = "The mailbox that receives mail for unknown local parts, or $null for none", Required = true };
        var set = new Command("set", "Set-AcceptedDomain -CatchAllMailbox") { setDomain, catchAll };
        set.SetAction(wrap(context =>
        {
            var value = context.Parse.GetValue(catchAll);
            var updated = new AcceptedDomainCommands(context.Administration).SetCatchAllMailbox(context.Parse.GetValue(setDomain)!, value is "$null" ? null : value);
            context.Output.Out.WriteLine(updated.CatchAllMailbox is { } mailbox
                ? $"Mail for unknown local parts of {updated.DomainName} now goes to {mailbox}."
                : $"{updated.DomainName} has no catch-all: mail for unknown local parts is refused or bounced.");
            return MailFlowCli.Success;
        }));

        var remove = CommonCommands.Remove("Remove-AcceptedDomain", "domain", wrap, (context, domain) => new AcceptedDomainCommands(context.Administration).Remove(domain));

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(set);
        command.Subcommands.Add(remove);
        return command;
    }
}
