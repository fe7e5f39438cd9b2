using MailFlow.Queue;
using MailFlow.Transport.Administration;

namespace MailFlow.Management.Control;

/// <summary>
/// The control channel's messages: one JSON object per line each way over the Unix socket
/// <c>&lt;data&gt;/run/control.sock</c>. Requests name an operation; responses carry its result or an error
/// with the same kind the CLI maps to exit codes.
/// </summary>
public sealed record ControlRequest(string Operation)
{
    public const string Status = "status";
    public const string Restart = "restart";
    public const string GetQueue = "get-queue";
    public const string GetMessage = "get-message";
    public const string RetryQueue = "retry-queue";
    public const string SuspendMessage = "suspend-message";
    public const string ResumeMessage = "resume-message";
    public const string RemoveMessage = "remove-message";

    public string? Identity { get; init; }

    public MessageState? State { get; init; }

    public string? Sender { get; init; }

    public string? NextHopDomain { get; init; }

    public bool WithNdr { get; init; }
}

public sealed record ControlResponse
{
    public bool Ok { get; init; } = true;

    public string? Error { get; init; }

    public Core.Errors.MailFlowErrorKind? ErrorKind { get; init; }

    public ServiceStatus? Status { get; init; }

    public IReadOnlyList<QueueInfo>? Queues { get; init; }

    public IReadOnlyList<MessageInfo>? Messages { get; init; }

    public int? Count { get; init; }
}

/// <summary><c>mailflow service status</c> / Get-TransportService's live part.</summary>
public sealed record ServiceStatus
{
    public required string Server { get; init; }

    public required int ProcessId { get; init; }

    public required DateTimeOffset StartedUtc { get; init; }

    public required DateTimeOffset LastRestartUtc { get; init; }

    public required int Restarts { get; init; }

    public required long ConfigurationRevision { get; init; }

    public required int ActiveSessions { get; init; }

    public required IReadOnlyList<ListenerStatus> Listeners { get; init; }

    /// <summary>Messages in the queue by state (Ready, Retry, Suspended, Poison).</summary>
    public required IReadOnlyDictionary<string, int> Queue { get; init; }
}

/// <summary>One bound endpoint and what each connector on it presents for STARTTLS.</summary>
public sealed record ListenerStatus(string Endpoint, string Connector, string? CertificateThumbprint, string? CertificateSubject);
