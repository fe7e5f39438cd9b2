using System.Net;
using MailFlow.Core.Net;

namespace MailFlow.Testing;

public static class Ports
{
    /// <summary>A loopback TCP port that was free a moment ago, outside the ephemeral range (<see cref="ListeningPorts.Free"/>).</summary>
    public static int Free() => ListeningPorts.Free(IPAddress.Loopback);

    /// <summary>A free loopback port below 1024, which only root or CAP_NET_BIND_SERVICE may bind (probing needs root too).</summary>
    public static int FreePrivileged()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(600, 1024);
            try
            {
                using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken (or not root): try another.
            }
        }

        throw new InvalidOperationException("no free loopback port between 600 and 1023 (is this root?)");
    }
}
