using System.Net;
using System.Net.Sockets;

namespace MailFlow.Smtp.Server;

/// <summary>
/// Listening sockets that outlive one receive server. A restart hands the same bound sockets to the new
/// server, so an unchanged binding is never closed: connections that arrive meanwhile wait in the
/// kernel's backlog instead of being refused, and a process that gave root up after start-up keeps
/// port 25, which it could not bind again. Only bindings the new configuration no longer has are closed.
/// </summary>
public sealed class ListenerSet : IDisposable
{
    /// <summary>The listen(2) backlog: room for a burst while a restart swaps servers.</summary>
    private const int Backlog = 512;

    private readonly Dictionary<IPEndPoint, Socket> held = [];
    private readonly Lock gate = new();

    public IReadOnlyCollection<IPEndPoint> Endpoints
    {
        get
        {
            lock (gate)
            {
                return held.Keys.ToList();
            }
        }
    }

    /// <summary>The socket listening on <paramref name="endpoint"/>: the one already held, else a new one bound now (SocketException when it cannot be).</summary>
    public Socket Listen(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        lock (gate)
        {
            if (held.TryGetValue(endpoint, out var socket))
            {
                return socket;
            }

            socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = false; // [::]:25 and 0.0.0.0:25 are separate bindings, as in Exchange
                }

                AllowQuickRebind(socket);
                socket.Bind(endpoint);
                socket.Listen(Backlog);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            held[endpoint] = socket;
            return socket;
        }
    }

    /// <summary>Closes every socket whose endpoint is not in <paramref name="inUse"/> (bindings a new configuration dropped).</summary>
    public void CloseExcept(IReadOnlyCollection<IPEndPoint> inUse)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        lock (gate)
        {
            foreach (var endpoint in held.Keys.Where(e => !inUse.Contains(e)).ToList())
            {
                held.Remove(endpoint, out var socket);
                socket!.Dispose();
            }
        }
    }

    public void Dispose() => CloseExcept([]);

    /// <summary>
    /// SO_REUSEADDR only, so a restart can rebind while old connections sit in TIME_WAIT. .NET's
    /// ReuseAddress option also sets SO_REUSEPORT on Linux, which would let a second MailFlow bind the
    /// same port silently and split the connections between the two.
    /// </summary>
    private static void AllowQuickRebind(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            const int SolSocket = 1;
            const int SoReuseAddr = 2;
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        }
    }
}
