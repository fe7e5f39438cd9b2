using System.Net;
using System.Net.Sockets;

namespace MailFlow.Core.Net;

/// <summary>Ports for listeners started on loopback by the lab and the tests.</summary>
public static class ListeningPorts
{
    /// <summary>
    /// A TCP port on <paramref name="address"/> that was free a moment ago, chosen below Linux's
    /// ephemeral range (32768–60999). A port the OS hands out for listening is also one it hands out as
    /// the local port of outgoing connections, so a server that closes and rebinds its listener (a
    /// restart) could find it taken by some client socket meanwhile — seen under the test run's
    /// connection churn.
    /// </summary>
    public static int Free(IPAddress address)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                using var probe = new TcpListener(address, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException($"no free port on {address} between 20000 and 32767");
    }
}
