using MailFlow.Configuration.Model;
using MailFlow.Logs.Reading;
using MailFlow.Management.Parameters;

namespace MailFlow.Management.Transport;

/// <summary>Get-/Set-TransportService (retry, expiry, limits, log settings) and Get-MessageTrackingLog.</summary>
public sealed class TransportServiceCommands(ServerAdministration administration)
{
    public static IReadOnlyList<string> SettableParameters { get; } = ObjectParameters.Settable<TransportSettings>();

    /// <summary>The server's name and its Set-TransportService settings.</summary>
    public (string Identity, TransportSettings Settings) Get()
    {
        var configuration = administration.Configuration.Load();
        return (configuration.Server.Name, configuration.Transport);
    }

    /// <summary>Changes take effect at the next restart of the transport, as on Exchange.</summary>
    public TransportSettings Set(IReadOnlyDictionary<string, string?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return administration.Configuration.Update(c => ObjectParameters.ApplyAll(c.Transport, parameters, SettableParameters, "Set-TransportService")).Transport;
    }

    /// <summary>Message tracking events from this server's tracking log folder.</summary>
    public IEnumerable<MessageTrackingLogEntry> SearchTrackingLog(MessageTrackingFilter filter)
    {
        var path = administration.Configuration.Load().Transport.MessageTrackingLogPath;
        return MessageTrackingSearch.Search(Path.IsPathRooted(path) ? path : Path.Combine(administration.Data.Root, path), filter);
    }
}
