using System.Net;
using System.Net.Sockets;

namespace MailFlow.Testing;

public static class Ports
{
    /// <summary>A loopback TCP port that was free a moment ago (the OS picks it).</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
