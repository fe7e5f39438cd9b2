using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;
using MailFlow.Configuration;
using MailFlow.Configuration.Listening;
using MailFlow.Configuration.Model;
using MailFlow.Smtp.Session;

namespace MailFlow.Smtp.Server;

/// <summary>One listening socket and the connectors that share its binding.</summary>
public sealed record ListenerInfo(IPEndPoint Endpoint, IReadOnlyList<string> Connectors, IReadOnlyList<string?> CertificateThumbprints);

/// <summary>
/// The receive side of the transport: a listener per distinct effective binding, the connector for each
/// connection chosen by the most specific RemoteIPRanges match (Exchange's rule), connection limits
/// enforced before the banner. Certificate decisions are made once, here, from the configuration and
/// store as they are at start — a changed TlsCertificateName takes effect at the next start, as in Exchange.
/// </summary>
public sealed class SmtpReceiveServer : IAsyncDisposable
{
    private static readonly byte[] TooManyConnections = Encoding.ASCII.GetBytes(Protocol.SmtpReplies.TooManyConnections + "\r\n");
    private readonly ReceiveContext context;
    private readonly List<(Socket Socket, IReadOnlyList<ReceiveConnectorRuntime> Connectors)> listeners = [];
    private readonly ConcurrentDictionary<Task, byte> sessions = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource stopAccepting = new();
    private readonly List<Task> acceptLoops = [];
    private readonly List<IPEndPoint> plannedEndpoints = [];
    private readonly ListenerSet listenerSet;
    private readonly bool ownsListeners;
    private bool disposed;

    private SmtpReceiveServer(ReceiveContext context, IReadOnlyList<ReceiveConnectorRuntime> connectors, ListenerSet? listeners)
    {
        this.context = context;
        Connectors = connectors;
        ownsListeners = listeners is null;
        listenerSet = listeners ?? new ListenerSet();
    }

    public IReadOnlyList<ReceiveConnectorRuntime> Connectors { get; }

    public IReadOnlyList<ListenerInfo> Listeners =>
        listeners.Select(l => new ListenerInfo((IPEndPoint)l.Socket.LocalEndPoint!, l.Connectors.Select(c => c.Identity).ToList(), l.Connectors.Select(c => c.Decision.SelectedThumbprint).ToList())).ToList();

    public int ActiveSessions => sessions.Count;

    /// <summary>The endpoints as planned (port 0 included as 0), the keys of the listener set this server uses.</summary>
    public IReadOnlyList<IPEndPoint> PlannedEndpoints => plannedEndpoints;

    /// <summary>Computes every connector's certificate decision (as Exchange does at service start).</summary>
    public static IReadOnlyList<ReceiveConnectorRuntime> BuildConnectors(MailFlowConfiguration configuration, IReadOnlyList<ExchangeCertificate> certificates, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.ReceiveConnectors
            .Where(c => c.Enabled)
            .Select(c => new ReceiveConnectorRuntime(configuration, c,
                InboundCertificateSelector.Select(CertificateSelectionRequests.For(configuration, c), certificates, now, configuration.Tls.ToSelectionPolicy())))
            .ToList();
    }

    /// <summary>
    /// Starts accepting on every planned endpoint, with the sockets <paramref name="listeners"/> holds
    /// (bound now when it has none for an endpoint). Without a set the server binds its own and closes
    /// them when it stops.
    /// </summary>
    public static SmtpReceiveServer Start(MailFlowConfiguration configuration, IReadOnlyList<ReceiveConnectorRuntime> connectors, ReceiveContext context, int lowestBindablePort, ListenerSet? listeners = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var server = new SmtpReceiveServer(context, connectors, listeners);
        try
        {
            foreach (var (endpoint, socket, bindings) in Bind(configuration, lowestBindablePort, server.listenerSet))
            {
                server.plannedEndpoints.Add(endpoint);
                server.listeners.Add((socket, connectors.Where(c => bindings.Any(b => b.ConnectorIdentity == c.Identity)).ToList()));
            }
        }
        catch
        {
            server.ReleaseOwnSockets();
            throw;
        }

        foreach (var (socket, members) in server.listeners)
        {
            server.acceptLoops.Add(Task.Run(() => server.AcceptLoopAsync(socket, members)));
        }

        return server;
    }

    /// <summary>
    /// A socket for every endpoint the configuration plans, from <paramref name="listeners"/> or bound
    /// now. serve calls it alone as root, before giving root up, so port 25 is bound while it still can be.
    /// </summary>
    public static IReadOnlyList<(IPEndPoint Endpoint, Socket Socket, IReadOnlyList<ReceiveBinding> Bindings)> Bind(MailFlowConfiguration configuration, int lowestBindablePort, ListenerSet listeners)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(listeners);
        var bound = new List<(IPEndPoint, Socket, IReadOnlyList<ReceiveBinding>)>();
        foreach (var group in ReceiveBinding.Plan(configuration, lowestBindablePort).GroupBy(b => b.Effective))
        {
            var bindings = group.ToList();
            try
            {
                bound.Add((group.Key, listeners.Listen(group.Key), bindings));
            }
            catch (SocketException ex)
            {
                throw new Core.Errors.MailFlowException($"cannot listen on {group.Key} for {string.Join(", ", bindings.Select(b => b.ConnectorIdentity).Distinct())}: {ex.Message}" + BindHint(ex, bindings, configuration, lowestBindablePort), ex);
            }
        }

        return bound;
    }

    /// <summary>
    /// A port someone else holds is the usual first-run failure (another MTA on 25, or a second serve on
    /// the same data directory), so say so and how to move each connector; a moved port names the offset
    /// that moved it, as the configured port is not the one in the error. A port refused for want of
    /// privilege after root was given up names the way to get it: a start by the service manager.
    /// </summary>
    private static string BindHint(SocketException ex, List<ReceiveBinding> bindings, MailFlowConfiguration configuration, int lowestBindablePort)
    {
        var port = bindings[0].Effective.Port;
        if (ex.SocketErrorCode == SocketError.AccessDenied)
        {
            return Core.Security.ProcessIdentity.DroppedRoot
                ? $"{Environment.NewLine}  port {port} needs root or CAP_NET_BIND_SERVICE, and this process gave root up after start-up: it keeps the sockets it bound then, and this binding is new. Stop and start the service (systemctl restart mailflow) to bind it, or choose a port from 1024 up."
                : $"{Environment.NewLine}  port {port} needs root or CAP_NET_BIND_SERVICE (the packaged unit grants it: AmbientCapabilities=CAP_NET_BIND_SERVICE), or choose a port from 1024 up.";
        }

        if (ex.SocketErrorCode != SocketError.AddressAlreadyInUse)
        {
            return string.Empty;
        }

        var hint = new StringBuilder($"{Environment.NewLine}  another process listens on port {port} (another mail server, or a mailflow serve already running on this data directory; `ss -ltnp` names it).");
        foreach (var binding in bindings)
        {
            hint.Append(System.Globalization.CultureInfo.InvariantCulture, $"{Environment.NewLine}  move it: mailflow connector receive set \"{binding.ConnectorIdentity}\" --Bindings <address:port>   (configured: {binding.Configured})");
        }

        if (bindings.Any(b => b.Offset))
        {
            hint.Append(System.Globalization.CultureInfo.InvariantCulture, $"{Environment.NewLine}  ports below {lowestBindablePort} are moved up by Listening.UnprivilegedPortOffset ({configuration.Listening.UnprivilegedPortOffset}) in config.json when not run as root; another offset moves all of them at once.");
        }

        return hint.ToString();
    }

    /// <summary>Runs one session on any stream (in-memory tests use this without sockets).</summary>
    public static async Task RunSessionAsync(ReceiveConnectorRuntime connector, ReceiveContext context, Stream transport, IPEndPoint local, IPEndPoint remote, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(transport);
        await using var session = new SmtpSession(connector, context, transport, local, remote, stopping);
        await session.RunAsync();
    }

    /// <summary>The connector whose RemoteIPRanges match <paramref name="address"/> most specifically, or null.</summary>
    public static ReceiveConnectorRuntime? ChooseConnector(IReadOnlyList<ReceiveConnectorRuntime> candidates, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ReceiveConnectorRuntime? best = null;
        UInt128? bestSpan = null;
        foreach (var candidate in candidates)
        {
            var span = candidate.MatchSpecificity(address);
            if (span is not null && (bestSpan is null || span < bestSpan))
            {
                best = candidate;
                bestSpan = span;
            }
        }

        return best;
    }

    /// <summary>Stops accepting, tells open sessions 421 and waits up to <paramref name="drain"/> for them.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        // Accepting stops; the sockets stay open when a set shared across restarts holds them.
        await stopAccepting.CancelAsync();
        ReleaseOwnSockets();
        await Task.WhenAll(acceptLoops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var open = sessions.Keys.ToArray();
        if (open.Length > 0 && !Task.WhenAll(open).Wait(drain))
        {
            await stopping.CancelAsync();
            await Task.WhenAll(sessions.Keys.ToArray()).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Twice is allowed (a receive service disposes the server it stopped, and a failed start disposes both).
        if (disposed)
        {
            return;
        }

        disposed = true;
        await StopAsync(TimeSpan.Zero);
        stopping.Dispose();
        stopAccepting.Dispose();
    }

    private void ReleaseOwnSockets()
    {
        if (ownsListeners)
        {
            listenerSet.Dispose();
        }
    }

    private async Task AcceptLoopAsync(Socket listener, IReadOnlyList<ReceiveConnectorRuntime> connectors)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopAccepting.Token);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            var remote = (IPEndPoint)client.RemoteEndPoint!;
            var connector = ChooseConnector(connectors, remote.Address);
            if (connector is null)
            {
                client.Dispose(); // no connector on this binding accepts that address: Exchange drops it too
                continue;
            }

            if (!connector.TryAcquire(remote.Address))
            {
                _ = RefuseAsync(client);
                continue;
            }

            client.NoDelay = true;
            var task = ServeAsync(connector, client, remote);
            sessions.TryAdd(task, 0);
            _ = task.ContinueWith(t => sessions.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(ReceiveConnectorRuntime connector, Socket client, IPEndPoint remote)
    {
        try
        {
            var local = (IPEndPoint)client.LocalEndPoint!;
            await RunSessionAsync(connector, context, new NetworkStream(client, ownsSocket: true), local, remote, stopping.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection ended; the session has already logged how.
        }
        finally
        {
            connector.Release(remote.Address);
        }
    }

    private static async Task RefuseAsync(Socket client)
    {
        using (client)
        {
            try
            {
                await client.SendAsync(TooManyConnections);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
        }
    }
}
