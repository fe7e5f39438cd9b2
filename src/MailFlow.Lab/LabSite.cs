using System.Net;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;
using MailFlow.Service;

namespace MailFlow.Lab;

/// <summary>
/// One transport of the lab: its own data directory, Default Frontend on a loopback address, and the
/// control channel, so that the management layer (CLI commands, the PowerShell module) reaches it
/// exactly as it reaches <c>mailflow serve</c>.
/// </summary>
public sealed class LabSite : IAsyncDisposable
{
    private TransportService? service;
    private ControlServer? control;

    private LabSite(ServerAdministration administration, string address, int port)
    {
        Administration = administration;
        Address = address;
        Port = port;
    }

    public ServerAdministration Administration { get; }

    public string Name => Administration.Configuration.Load().Server.Name;

    public string Address { get; }

    public int Port { get; }

    public string FrontendIdentity => $"{Name}\\Default Frontend {Name}";

    public string Root => Administration.Data.Root;

    public string ReceiveLogs => Path.Combine(Administration.Data.Logs, "ProtocolLog", "SmtpReceive");

    public string SendLogs => Path.Combine(Administration.Data.Logs, "ProtocolLog", "SmtpSend");

    public string TrackingLogs => Path.Combine(Administration.Data.Logs, "MessageTracking");

    /// <summary>A server with Exchange's defaults, only its Default Frontend kept, bound to <paramref name="address"/> on a free port.</summary>
    public static LabSite Create(string directory, ServerIdentity identity, string address)
    {
        var administration = ServerAdministration.Open(new DataDirectory(directory), identity: identity);
        var port = FreePort(address);
        administration.Configuration.Update(c =>
        {
            c.ReceiveConnectors.RemoveAll(r => r.Name != $"Default Frontend {identity.Name}");
            c.ReceiveConnectors[0].Bindings = [$"{address}:{port}"];
        });
        return new LabSite(administration, address, port);
    }

    public void Start()
    {
        service = TransportService.Start(Administration, TimeSpan.FromSeconds(2), lowestBindablePort: 0);
        control = ControlServer.Start(Administration.Data, service);
    }

    public async ValueTask DisposeAsync()
    {
        if (control is not null)
        {
            await control.DisposeAsync();
            control = null;
        }

        if (service is not null)
        {
            await service.DisposeAsync(); // drains sessions and flushes the logs
            service = null;
        }
    }

    private static int FreePort(string address) => Core.Net.ListeningPorts.Free(IPAddress.Parse(address));
}
