using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;
using MailFlow.Management.Control;
using MailFlow.Queue;

namespace MailFlow.Service;

/// <summary>
/// The control channel of a running service: a Unix domain socket at <c>&lt;data&gt;/run/control.sock</c>,
/// owner-only (the run directory is 0700 and the socket 0600), one JSON request and one JSON response
/// per line (<see cref="ControlRequest"/>). Status, restart and the queue operations go through here.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private const int MaxRequestBytes = 64 * 1024;
    private readonly Socket listener;
    private readonly TransportService service;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task acceptLoop;
    private readonly string path;

    private ControlServer(Socket listener, TransportService service, string path)
    {
        this.listener = listener;
        this.service = service;
        this.path = path;
        acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public static ControlServer Start(DataDirectory data, TransportService service)
    {
        ArgumentNullException.ThrowIfNull(data);
        var path = ControlClient.SocketPath(data);
        if (ControlClient.TryConnect(data) is { } other)
        {
            other.Dispose();
            throw new MailFlowException($"another mailflow service already runs for {data.Root} (its control socket {path} answers)");
        }

        File.Delete(path); // left by a service that was killed
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, DurableFile.PrivateFile);
            }

            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new ControlServer(listener, service, path);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Dispose();
        await acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        File.Delete(path);
        stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        await using (var stream = new NetworkStream(client, ownsSocket: false))
        {
            try
            {
                var line = await ReadLineAsync(stream);
                var response = line is null ? Failure("empty request", MailFlowErrorKind.InvalidArgument) : await HandleAsync(line);
                await stream.WriteAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(response, ControlJsonContext.Default.ControlResponse) + "\n"), stopping.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // The client went away; nothing to answer.
            }
        }
    }

    private async Task<ControlResponse> HandleAsync(string line)
    {
        ControlRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(line, ControlJsonContext.Default.ControlRequest);
        }
        catch (JsonException ex)
        {
            return Failure($"the request is not valid JSON: {ex.Message}", MailFlowErrorKind.InvalidArgument);
        }

        try
        {
            return request?.Operation switch
            {
                ControlRequest.Status => new ControlResponse { Status = service.Status() },
                ControlRequest.Restart => await RestartAsync(),
                ControlRequest.GetQueue => new ControlResponse { Queues = service.Queue(q => q.GetQueue(request.State)) },
                ControlRequest.GetMessage => new ControlResponse { Messages = service.Queue(q => q.GetMessage(new MessageFilter(request.State, request.NextHopDomain, request.Sender))) },
                ControlRequest.RetryQueue => new ControlResponse { Count = service.Queue(q => q.RetryQueue(request.Identity)) },
                ControlRequest.SuspendMessage => Done(() => service.Queue(q => { q.SuspendMessage(Required(request.Identity)); return 0; })),
                ControlRequest.ResumeMessage => Done(() => service.Queue(q => { q.ResumeMessage(Required(request.Identity)); return 0; })),
                ControlRequest.RemoveMessage => Done(() => service.Queue(q => { q.RemoveMessage(Required(request.Identity), request.WithNdr); return 0; })),
                _ => Failure($"unknown operation \"{request?.Operation}\"", MailFlowErrorKind.InvalidArgument),
            };
        }
        catch (MailFlowException ex)
        {
            return Failure(ex.Message, ex.Kind);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            return Failure($"{request?.Operation} failed: {ex.Message}", MailFlowErrorKind.OperationFailed);
        }
    }

    private async Task<ControlResponse> RestartAsync()
    {
        await service.RestartAsync("a request on the control socket");
        return new ControlResponse { Status = service.Status() };
    }

    private static ControlResponse Done(Func<int> action)
    {
        action();
        return new ControlResponse();
    }

    private static string Required(string? identity) =>
        string.IsNullOrWhiteSpace(identity) ? throw new MailFlowException("an identity is required", MailFlowErrorKind.InvalidArgument) : identity;

    private static ControlResponse Failure(string error, MailFlowErrorKind kind) => new() { Ok = false, Error = error, ErrorKind = kind };

    /// <summary>One line, at most 64 KiB: the channel is local but still input.</summary>
    private async Task<string?> ReadLineAsync(NetworkStream stream)
    {
        var buffer = new MemoryStream();
        var one = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (buffer.Length < MaxRequestBytes)
        {
            var read = await stream.ReadAsync(one, timeout.Token);
            if (read == 0)
            {
                break;
            }

            var newline = Array.IndexOf(one, (byte)'\n', 0, read);
            buffer.Write(one, 0, newline >= 0 ? newline : read);
            if (newline >= 0)
            {
                return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }

        return buffer.Length == 0 ? null : Encoding.UTF8.GetString(buffer.ToArray());
    }
}
