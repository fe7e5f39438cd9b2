using MailFlow.Configuration.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;
using MailFlow.Management.Certificates;
using MailFlow.Management.Parameters;

namespace MailFlow.Management.Connectors;

/// <summary>Get-/New-/Set-/Remove-ReceiveConnector.</summary>
public sealed class ReceiveConnectorCommands
{
    /// <summary>TransportRole is chosen when a connector is created and cannot be changed, as in Exchange.</summary>
    public static IReadOnlyList<string> SettableParameters { get; } = ObjectParameters.Settable<ReceiveConnector>(nameof(ReceiveConnector.TransportRole));

    private readonly ServerAdministration administration;

    public ReceiveConnectorCommands(ServerAdministration administration)
    {
        ArgumentNullException.ThrowIfNull(administration);
        this.administration = administration;
    }

    public IReadOnlyList<ReceiveConnector> Get() => administration.Configuration.Load().ReceiveConnectors;

    public ReceiveConnector Get(string identity)
    {
        var configuration = administration.Configuration.Load();
        return configuration.FindReceiveConnector(identity) ?? throw ExchangeCertificateCommands.ReceiveConnectorNotFound(configuration, identity);
    }

    /// <summary>Exchange's identity (<c>SERVER\Name</c>) of a connector of this server.</summary>
    public string IdentityOf(ReceiveConnector connector) => administration.Configuration.Load().IdentityOf(connector);

    /// <summary>Format-List view.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> View(ReceiveConnector connector)
    {
        var configuration = administration.Configuration.Load();
        return ObjectParameters.View(connector,
            new KeyValuePair<string, string>("Identity", configuration.IdentityOf(connector)),
            new KeyValuePair<string, string>("Server", configuration.Server.Name));
    }

    /// <summary>New-ReceiveConnector: parameters must include Bindings; RemoteIPRanges default to everything, Fqdn to the server's.</summary>
    public ReceiveConnector New(string name, TransportRole role, IReadOnlyDictionary<string, string?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ExchangeCertificateCommands.EnsurePresentable(administration, parameters, "New-ReceiveConnector");
        var saved = administration.Configuration.Update(configuration =>
        {
            if (configuration.FindReceiveConnector(name) is not null)
            {
                throw new MailFlowException($"receive connector \"{configuration.Server.Name}\\{name}\" already exists", MailFlowErrorKind.AlreadyExists);
            }

            var connector = new ReceiveConnector
            {
                Name = name,
                TransportRole = role,
                RemoteIPRanges = ["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0-255.255.255.255"],
                Fqdn = configuration.Server.Fqdn,
            };
            ApplyAll(connector, parameters);
            configuration.ReceiveConnectors.Add(connector);
        });
        return saved.FindReceiveConnector(name)!;
    }

    /// <summary>Set-ReceiveConnector: every named parameter is parsed as Exchange would and the whole configuration re-validated.</summary>
    public ReceiveConnector Set(string identity, IReadOnlyDictionary<string, string?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ExchangeCertificateCommands.EnsurePresentable(administration, parameters, "Set-ReceiveConnector");
        string? newName = null;
        var saved = administration.Configuration.Update(configuration =>
        {
            var connector = configuration.FindReceiveConnector(identity) ?? throw ExchangeCertificateCommands.ReceiveConnectorNotFound(configuration, identity);
            ApplyAll(connector, parameters);
            newName = connector.Name;
        });
        return saved.FindReceiveConnector(newName!)!;
    }

    /// <summary>What the cmdlet rules allow but an admin should hear about (plaintext AUTH), for one connector.</summary>
    public IReadOnlyList<string> Warnings(ReceiveConnector connector)
    {
        ArgumentNullException.ThrowIfNull(connector);
        var configuration = administration.Configuration.Load();
        var path = $"$.ReceiveConnectors[{configuration.ReceiveConnectors.FindIndex(c => c.Name == connector.Name)}].";
        return ConfigurationValidator.Validate(configuration)
            .Where(i => i.Severity == IssueSeverity.Warning && i.Path.StartsWith(path, StringComparison.Ordinal))
            .Select(i => $"{configuration.IdentityOf(connector)}: {i.Path[path.Length..]}: {i.Message}")
            .ToList();
    }

    public void Remove(string identity) =>
        administration.Configuration.Update(configuration =>
        {
            var connector = configuration.FindReceiveConnector(identity) ?? throw ExchangeCertificateCommands.ReceiveConnectorNotFound(configuration, identity);
            configuration.ReceiveConnectors.Remove(connector);
        });

    private static void ApplyAll(ReceiveConnector connector, IReadOnlyDictionary<string, string?> parameters) =>
        ObjectParameters.ApplyAll(connector, parameters, SettableParameters, "Set-ReceiveConnector");
}
