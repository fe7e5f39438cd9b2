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
                context.Output.WriteJson(domains);
            }
            else
            {
                context.Output.WriteTable(["Name", "DomainName", "DomainType", "Default"], domains.Select(d => (IReadOnlyList<string>)[d.Name, d.DomainName, d.DomainType.ToString(), d.Default ? "True" : "False"]));
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

        var remove = CommonCommands.Remove("Remove-AcceptedDomain", "domain", wrap, (context, domain) => new AcceptedDomainCommands(context.Administration).Remove(domain));

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        return command;
    }
}
