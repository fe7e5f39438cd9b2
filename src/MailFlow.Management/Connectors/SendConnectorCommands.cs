using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;
using MailFlow.Management.Parameters;

using MailFlow.Management.Certificates;

namespace MailFlow.Management.Connectors;

/// <summary>Get-/New-/Set-/Remove-SendConnector.</summary>
public sealed class SendConnectorCommands
{
    public static IReadOnlyList<string> SettableParameters { get; } = ObjectParameters.Settable<SendConnector>();

    private readonly ServerAdministration administration;

    public SendConnectorCommands(ServerAdministration administration)
    {
        ArgumentNullException.ThrowIfNull(administration);
        this.administration = administration;
    }

    public IReadOnlyList<SendConnector> Get() => administration.Configuration.Load().SendConnectors;

    public SendConnector Get(string identity)
    {
        var configuration = administration.Configuration.Load();
        return configuration.FindSendConnector(identity) ?? throw NotFound(configuration, identity);
    }

    public IReadOnlyList<KeyValuePair<string, string>> View(SendConnector connector) =>
        ObjectParameters.View(connector, new KeyValuePair<string, string>("Identity", connector?.Name ?? string.Empty));

    /// <summary>New-SendConnector: parameters must include AddressSpaces.</summary>
    public SendConnector New(string name, IReadOnlyDictionary<string, string?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ExchangeCertificateCommands.EnsurePresentable(administration, parameters, "New-SendConnector");
        var saved = administration.Configuration.Update(configuration =>
        {
            if (configuration.FindSendConnector(name) is not null)
            {
                throw new MailFlowException($"send connector \"{name}\" already exists", MailFlowErrorKind.AlreadyExists);
            }

            var connector = new SendConnector { Name = name };
            ApplyAll(connector, parameters);
            configuration.SendConnectors.Add(connector);
        });
        return saved.FindSendConnector(name)!;
    }

    public SendConnector Set(string identity, IReadOnlyDictionary<string, string?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ExchangeCertificateCommands.EnsurePresentable(administration, parameters, "Set-SendConnector");
        string? newName = null;
        var saved = administration.Configuration.Update(configuration =>
        {
            var connector = configuration.FindSendConnector(identity) ?? throw NotFound(configuration, identity);
            ApplyAll(connector, parameters);
            newName = connector.Name;
        });
        return saved.FindSendConnector(newName!)!;
    }

    public void Remove(string identity) =>
        administration.Configuration.Update(configuration =>
        {
            var connector = configuration.FindSendConnector(identity) ?? throw NotFound(configuration, identity);
            configuration.SendConnectors.Remove(connector);
        });

    private static MailFlowException NotFound(MailFlowConfiguration configuration, string identity) =>
        new($"send connector \"{identity}\" was not found; known: {(configuration.SendConnectors.Count == 0 ? "(none)" : string.Join(", ", configuration.SendConnectors.Select(c => c.Name)))}", MailFlowErrorKind.NotFound);

    private static void ApplyAll(SendConnector connector, IReadOnlyDictionary<string, string?> parameters) =>
        ObjectParameters.ApplyAll(connector, parameters, SettableParameters, "Set-SendConnector");
}
