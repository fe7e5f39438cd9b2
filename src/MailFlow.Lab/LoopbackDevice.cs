using System.Net;
using System.Net.Sockets;

namespace MailFlow.Lab;

/// <summary>
/// A network device of the lab on loopback: listens on a free port, hands every accepted connection to
/// <see cref="ServeAsync"/>, and stops with the world. Shared by the load balancer and the SMTP devices
/// so each says only what it does to a connection.
/// </summary>
public abstract class LoopbackDevice : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;

    protected LoopbackDevice(IPAddress address)
    {
        listener = new TcpListener(address, 0);
        listener.Start();
        accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint => (IPEndPoint)listener.LocalEndpoint;

    protected CancellationToken Stopping => stopping.Token;

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
        GC.SuppressFinalize(this);
    }

    /// <summary>Handles one accepted connection; the device owns <paramref name="client"/> from here.</summary>
    protected abstract Task ServeAsync(Socket client);

    /// <summary>Bytes copied both ways untouched; either side closing ends both directions, as a layer-4 device's session does.</summary>
    protected Task RelayAsync(Socket client, IPEndPoint backend) =>
        ThroughAsync(client, backend, (server, toServer, toClient) => Task.WhenAny(Copy(toClient, toServer, server), Copy(toServer, toClient, client)));

    /// <summary>
    /// One session through the device: connects to <paramref name="backend"/> and runs <paramref name="session"/>
    /// on the two streams (to the server, to the client); a backend that is down or a peer that resets ends it,
    /// and the client sees the connection close.
    /// </summary>
    protected async Task ThroughAsync(Socket client, IPEndPoint backend, Func<Socket, NetworkStream, NetworkStream, Task> session)
    {
        ArgumentNullException.ThrowIfNull(session);
        using (client)
        using (var server = new Socket(backend.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
        {
            try
            {
                await server.ConnectAsync(backend, Stopping);
                await using var toServer = new NetworkStream(server, ownsSocket: false);
                await using var toClient = new NetworkStream(client, ownsSocket: false);
                await session(server, toServer, toClient);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // Either side gone: the other sees the connection close.
            }
        }
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

            _ = ServeAsync(client);
        }
    }

    private async Task Copy(Stream from, Stream to, Socket target)
    {
        try
        {
            await from.CopyToAsync(to, Stopping);
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
