using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;

namespace MailFlow.Management.Control;

/// <summary>
/// Talks to a running `mailflow serve` over its control socket. <see cref="TryConnect"/> returns null
/// when no service runs for the data directory, so callers fall back to working on the files directly.
/// </summary>
public sealed class ControlClient : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromMinutes(2); // a restart drains sessions first
    private readonly Socket socket;

    private ControlClient(Socket socket) => this.socket = socket;

    public static string SocketPath(DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Path.Combine(data.Run, "control.sock");
    }

    public static ControlClient? TryConnect(DataDirectory data)
    {
        var path = SocketPath(data);
        if (!File.Exists(path))
        {
            return null;
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return new ControlClient(socket);
        }
        catch (SocketException)
        {
            socket.Dispose(); // a socket file left by a service that was killed
            return null;
        }
    }

    /// <summary>Sends one request and returns the response; an error response becomes a MailFlowException of the same kind.</summary>
    public ControlResponse Send(ControlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var stream = new NetworkStream(socket, ownsSocket: false) { ReadTimeout = (int)ReplyTimeout.TotalMilliseconds };
        var line = JsonSerializer.Serialize(request, ControlJsonContext.Default.ControlRequest) + "\n";
        stream.Write(Encoding.UTF8.GetBytes(line));
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        string? reply;
        try
        {
            reply = reader.ReadLine();
        }
        catch (IOException ex)
        {
            throw new MailFlowException($"the service did not answer {request.Operation} on {socket.RemoteEndPoint}: {ex.Message}", ex, MailFlowErrorKind.OperationFailed);
        }

        var response = reply is null ? null : JsonSerializer.Deserialize(reply, ControlJsonContext.Default.ControlResponse);
        if (response is null)
        {
            throw new MailFlowException($"the service closed the control channel without answering {request.Operation}", MailFlowErrorKind.OperationFailed);
        }

        return response.Ok ? response : throw new MailFlowException(response.Error ?? "the service refused the request", response.ErrorKind ?? MailFlowErrorKind.OperationFailed);
    }

    public void Dispose() => socket.Dispose();
}
