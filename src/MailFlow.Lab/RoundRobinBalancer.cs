using System.Net;
using System.Net.Sockets;

namespace MailFlow.Lab;

/// <summary>
/// A layer-4 load balancer on loopback: each new connection goes to the next backend in turn and bytes
/// are copied both ways untouched, so TLS is end to end and each server's own certificate is what the
/// sender sees. It plays the device in front of several Exchange servers behind one name (RC02).
/// </summary>
public sealed class RoundRobinBalancer : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly IReadOnlyList<IPEndPoint> backends;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;
    private int next;

    public RoundRobinBalancer(IPAddress address, IReadOnlyList<IPEndPoint> backends)
    {
        this.backends = backends;
        listener = new TcpListener(address, 0);
        listener.Start();
        accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint => (IPEndPoint)listener.LocalEndpoint;

    /// <summary>The backend each accepted connection went to, in order.</summary>
    public List<IPEndPoint> Routed { get; } = [];

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (OperationCanceledException)
        {
        }

        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var backend = backends[next++ % backends.Count];
            lock (Routed)
            {
                Routed.Add(backend);
            }

            _ = RelayAsync(client, backend);
        }
    }

    private async Task RelayAsync(Socket client, IPEndPoint backend)
    {
        using (client)
        using (var server = new Socket(backend.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
        {
            try
            {
                await server.ConnectAsync(backend, stopping.Token);
                await using var toServer = new NetworkStream(server, ownsSocket: false);
                await using var toClient = new NetworkStream(client, ownsSocket: false);
                // Either side closing ends both directions, as a balancer's idle session does.
                await Task.WhenAny(Copy(toClient, toServer, server), Copy(toServer, toClient, client));
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // A backend that is down or a peer that reset: the client sees the connection close.
            }
        }
    }

    private async Task Copy(Stream from, Stream to, Socket target)
    {
        try
        {
            await from.CopyToAsync(to, stopping.Token);
        }
        finally
        {
            try
            {
                target.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
