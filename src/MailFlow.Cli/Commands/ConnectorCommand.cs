using System.CommandLine;
using MailFlow.Configuration.Listening;
using MailFlow.Configuration.Model;
using MailFlow.Management.Connectors;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow connector receive|send …</c>: Get-/New-/Set-/Remove-ReceiveConnector and -SendConnector.</summary>
internal static class ConnectorCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("connector", "Receive and send connectors");
        command.Subcommands.Add(Receive(wrap));
        command.Subcommands.Add(Send(wrap));
        return command;
    }

    /// <summary>Prints what each enabled receive connector listens on, and why a port moved.</summary>
    public static void WriteListeners(CommandContext context, MailFlowConfiguration configuration)
    {
        var lowest = PrivilegedPorts.LowestBindablePort();
        var plan = ReceiveBinding.Plan(configuration, lowest);
        context.Output.WriteTable(
            ["Connector", "Binding", "Listens on"],
            plan.Select(b => (IReadOnlyList<string>)[b.ConnectorIdentity, b.Configured, b.Effective.ToString() + (b.Offset ? $" (port +{configuration.Listening.UnprivilegedPortOffset}: ports below {lowest} need root)" : string.Empty)]), "no receive connector listens");
    }

    private static void WriteWarnings(CommandContext context, IReadOnlyList<string> warnings) =>
        warnings.ToList().ForEach(w => context.Output.Note("WARNING: " + w));

    private static Command Receive(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("receive", "Receive connectors (SERVER\\Name identities)");

        var list = new Command("list", "Get-ReceiveConnector");
        list.SetAction(wrap(context =>
        {
            var commands = new ReceiveConnectorCommands(context.Administration);
            var configuration = context.Administration.Configuration.Load();
            if (context.Output.Json)
            {
                context.Output.WriteJson(configuration.ReceiveConnectors.Select(c => CommonCommands.Dictionary(commands.View(c))), json => json.IEnumerableDictionaryStringString);
                return MailFlowCli.Success;
            }

            context.Output.WriteTable(
                ["Identity", "Bindings", "Enabled", "TlsCertificateName", "TlsDomainCapabilities"],
                configuration.ReceiveConnectors.Select(c => (IReadOnlyList<string>)[configuration.IdentityOf(c), string.Join(", ", c.Bindings), c.Enabled ? "True" : "False", c.TlsCertificateName ?? string.Empty, string.Join(" ", c.TlsDomainCapabilities)]), "no receive connectors");
            WriteListeners(context, configuration);
            return MailFlowCli.Success;
        }));

        var identity = new Argument<string>("identity") { Description = "\"SERVER\\Name\" or the bare connector name" };
        var show = new Command("show", "Get-ReceiveConnector <identity> | Format-List") { identity };
        show.SetAction(wrap(context =>
        {
            var commands = new ReceiveConnectorCommands(context.Administration);
            CommonCommands.WriteView(context, commands.View(commands.Get(context.Parse.GetValue(identity)!)));
            return MailFlowCli.Success;
        }));

        var setIdentity = new Argument<string>("identity") { Description = "\"SERVER\\Name\" or the bare connector name" };
        var setOptions = CommonCommands.ParameterOptions<ReceiveConnector>(ReceiveConnectorCommands.SettableParameters);
        var set = new Command("set", "Set-ReceiveConnector <identity> -Parameter value …  (values as in the Exchange shell: $null, $true, 36MB, 00:10:00, \"Tls, BasicAuth\")") { setIdentity };
        setOptions.ForEach(set.Options.Add);
        set.SetAction(wrap(context =>
        {
            var commands = new ReceiveConnectorCommands(context.Administration);
            var changed = commands.Set(context.Parse.GetValue(setIdentity)!, CommonCommands.Collect(context.Parse, setOptions));
            context.Output.Out.WriteLine($"Updated {commands.IdentityOf(changed)}.");
            WriteWarnings(context, commands.Warnings(changed));
            CommonCommands.NoteAppliesAtRestart(context, "changes to certificates and bindings");
            return MailFlowCli.Success;
        }));

        var name = new Argument<string>("name");
        var role = new Option<TransportRole>("--TransportRole", "--transport-role") { DefaultValueFactory = _ => TransportRole.FrontendTransport };
        var newOptions = CommonCommands.ParameterOptions<ReceiveConnector>(ReceiveConnectorCommands.SettableParameters.Where(p => p != nameof(ReceiveConnector.Name)));
        var create = new Command("new", "New-ReceiveConnector <name> -Bindings addr:port [-Parameter value …]") { name, role };
        newOptions.ForEach(create.Options.Add);
        create.SetAction(wrap(context =>
        {
            var commands = new ReceiveConnectorCommands(context.Administration);
            var parameters = CommonCommands.Collect(context.Parse, newOptions);
            if (!parameters.ContainsKey(nameof(ReceiveConnector.Bindings)))
            {
                throw new Core.Errors.MailFlowException("New-ReceiveConnector needs --Bindings (e.g. --Bindings 0.0.0.0:2526)", Core.Errors.MailFlowErrorKind.InvalidArgument);
            }

            var created = commands.New(context.Parse.GetValue(name)!, context.Parse.GetValue(role), parameters);
            context.Output.Out.WriteLine($"Created {commands.IdentityOf(created)}.");
            WriteWarnings(context, commands.Warnings(created));
            return MailFlowCli.Success;
        }));

        var remove = CommonCommands.Remove("Remove-ReceiveConnector <identity>", "identity", wrap, (context, identity) => new ReceiveConnectorCommands(context.Administration).Remove(identity));

        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        command.Subcommands.Add(set);
        command.Subcommands.Add(create);
        command.Subcommands.Add(remove);
        return command;
    }

    private static Command Send(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("send", "Send connectors");

        var list = new Command("list", "Get-SendConnector");
        list.SetAction(wrap(context =>
        {
            var commands = new SendConnectorCommands(context.Administration);
            var connectors = commands.Get();
            if (context.Output.Json)
            {
                context.Output.WriteJson(connectors.Select(c => CommonCommands.Dictionary(commands.View(c))), json => json.IEnumerableDictionaryStringString);
                return MailFlowCli.Success;
            }

            context.Output.WriteTable(
                ["Identity", "AddressSpaces", "Enabled", "SmartHosts", "RequireTLS", "TlsAuthLevel", "TlsDomain"],
                connectors.Select(c => (IReadOnlyList<string>)[c.Name, string.Join(", ", c.AddressSpaces), c.Enabled ? "True" : "False", c.DNSRoutingEnabled ? "(DNS)" : string.Join(", ", c.SmartHosts), c.RequireTLS ? "True" : "False", c.TlsAuthLevel?.ToString() ?? string.Empty, c.TlsDomain ?? string.Empty]), "no send connectors (add one with mailflow connector send new)");
            return MailFlowCli.Success;
        }));

        var identity = new Argument<string>("identity");
        var show = new Command("show", "Get-SendConnector <identity> | Format-List") { identity };
        show.SetAction(wrap(context =>
        {
            var commands = new SendConnectorCommands(context.Administration);
            CommonCommands.WriteView(context, commands.View(commands.Get(context.Parse.GetValue(identity)!)));
            return MailFlowCli.Success;
        }));

        var setIdentity = new Argument<string>("identity");
        var setOptions = CommonCommands.ParameterOptions<SendConnector>(SendConnectorCommands.SettableParameters);
        var set = new Command("set", "Set-SendConnector <identity> -Parameter value …") { setIdentity };
        setOptions.ForEach(set.Options.Add);
        set.SetAction(wrap(context =>
        {
            var changed = new SendConnectorCommands(context.Administration).Set(context.Parse.GetValue(setIdentity)!, CommonCommands.Collect(context.Parse, setOptions));
            context.Output.Out.WriteLine($"Updated {changed.Name}.");
            return MailFlowCli.Success;
        }));

        var name = new Argument<string>("name");
        var newOptions = CommonCommands.ParameterOptions<SendConnector>(SendConnectorCommands.SettableParameters.Where(p => p != nameof(SendConnector.Name)));
        var create = new Command("new", "New-SendConnector <name> -AddressSpaces * [-Parameter value …]") { name };
        newOptions.ForEach(create.Options.Add);
        create.SetAction(wrap(context =>
        {
            var parameters = CommonCommands.Collect(context.Parse, newOptions);
            if (!parameters.ContainsKey(nameof(SendConnector.AddressSpaces)))
            {
                throw new Core.Errors.MailFlowException("New-SendConnector needs --AddressSpaces (e.g. --AddressSpaces \"*\")", Core.Errors.MailFlowErrorKind.InvalidArgument);
            }

            var created = new SendConnectorCommands(context.Administration).New(context.Parse.GetValue(name)!, parameters);
            context.Output.Out.WriteLine($"Created {created.Name}.");
            return MailFlowCli.Success;
        }));

        var remove = CommonCommands.Remove("Remove-SendConnector <identity>", "identity", wrap, (context, identity) => new SendConnectorCommands(context.Administration).Remove(identity));

        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        command.Subcommands.Add(set);
        command.Subcommands.Add(create);
        command.Subcommands.Add(remove);
        return command;
    }
}
