using System.Net;
using System.Net.Sockets;

namespace MailFlow.Lab;

/// <summary>
/// A layer-4 load balancer on loopback: each new connection goes to the next backend in turn and bytes
/// are copied both ways untouched, so TLS is end to end and each server's own certificate is what the
/// sender sees. It plays the device in front of several Exchange servers behind one name (RC02).
/// </summary>
public sealed class RoundRobinBalancer(IPAddress address, IReadOnlyList<IPEndPoint> backends) : LoopbackDevice(address)
{
    private int next;

    /// <summary>The backend each accepted connection went to, in order.</summary>
    public List<IPEndPoint> Routed { get; } = [];

    protected override Task ServeAsync(Socket client)
    {
        var backend = backends[next++ % backends.Count];
        lock (Routed)
        {
            Routed.Add(backend);
        }

        return RelayAsync(client, backend);
    }
}
