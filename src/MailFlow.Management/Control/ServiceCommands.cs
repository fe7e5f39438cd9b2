using MailFlow.Core.Errors;

namespace MailFlow.Management.Control;

/// <summary><c>mailflow service status|restart</c> and Restart-TransportService: live operations that need the running service.</summary>
public sealed class ServiceCommands(ServerAdministration administration)
{
    public bool IsRunning
    {
        get
        {
            using var client = ControlClient.TryConnect(administration.Data);
            return client is not null;
        }
    }

    public ServiceStatus Status() => Send(new ControlRequest(ControlRequest.Status)).Status!;

    /// <summary>Bounces the transport and returns its status afterwards (new certificate decisions included).</summary>
    public ServiceStatus Restart() => Send(new ControlRequest(ControlRequest.Restart)).Status!;

    private ControlResponse Send(ControlRequest request)
    {
        using var client = ControlClient.TryConnect(administration.Data)
            ?? throw new MailFlowException($"no mailflow service is running for {administration.Data.Root} (start it with `mailflow serve`)", MailFlowErrorKind.NotFound);
        return client.Send(request);
    }
}
