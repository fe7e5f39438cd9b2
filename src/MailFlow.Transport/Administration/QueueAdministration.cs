using MailFlow.Core.Errors;
using MailFlow.Logs;
using MailFlow.Queue;
using MailFlow.Transport.Delivery;

namespace MailFlow.Transport.Administration;

/// <summary>A Get-Queue row with Exchange's identity, <c>SERVER1\domain.com</c>, <c>SERVER1\Submission</c>, <c>SERVER1\Poison</c>.</summary>
public sealed record QueueInfo(string Identity, string NextHopDomain, string DeliveryType, MessageState Status, int MessageCount, DateTimeOffset? NextRetryTime, string? LastError);

/// <summary>A Get-Message row.</summary>
public sealed record MessageInfo(string Identity, string FromAddress, MessageState Status, int RetryCount, DateTimeOffset DateReceived, DateTimeOffset ExpirationTime, string? LastError, IReadOnlyList<QueuedRecipient> Recipients);

/// <summary>
/// Exchange's queue cmdlets over the queue database: Get-Queue, Get-Message, Retry-Queue,
/// Suspend-Message, Resume-Message and Remove-Message (with or without an NDR). The management layer
/// and the control channel expose these; they are safe while the transport runs because every change
/// is one SQLite transaction and the delivery agent re-reads state each pass.
/// </summary>
public sealed class QueueAdministration(string serverName, QueueDatabase queue, SenderNotifier notifier, MessageTrackingLog tracking, TimeProvider? time = null)
{
    /// <summary>The NDR text when an administrator removes a message with -WithNDR.</summary>
    public const string RemovedByAdministrator = "550 5.3.2 QUEUE.Admin; message deleted by administrative action";

    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public IReadOnlyList<QueueInfo> GetQueue(MessageState? status = null) =>
        queue.Queues()
            .Where(q => status is null || q.Status == status)
            .Select(q => new QueueInfo($"{serverName}\\{q.NextHopDomain}", q.NextHopDomain, DeliveryTypeOf(q.NextHopDomain), q.Status, q.MessageCount, q.NextRetryTime, q.LastError))
            .ToList();

    public IReadOnlyList<MessageInfo> GetMessage(MessageFilter filter) =>
        queue.Messages(filter ?? new MessageFilter())
            .Select(m => new MessageInfo($"{serverName}\\{QueueOf(m)}\\{m.Id}", m.MailFrom, m.State, m.Attempts, m.ReceivedUtc, m.ExpiresUtc, m.LastError, m.Recipients))
            .ToList();

    /// <summary>Retry-Queue: the queue's messages (all Retry messages when <paramref name="identity"/> is null) become due now.</summary>
    public int RetryQueue(string? identity = null)
    {
        var hop = identity is null ? null : QueueName(identity);
        return queue.RetryNow(clock.GetUtcNow(), hop);
    }

    public void SuspendMessage(string identity)
    {
        var id = MessageId(identity);
        if (!queue.Suspend(id))
        {
            throw NotFound(identity, "Ready or Retry");
        }
    }

    public void ResumeMessage(string identity)
    {
        var id = MessageId(identity);
        if (!queue.Resume(id, clock.GetUtcNow()))
        {
            throw NotFound(identity, "Suspended or Poison");
        }
    }

    /// <summary>
    /// Remove-Message: the message leaves the queue; with <paramref name="withNdr"/> its pending
    /// recipients are returned to the sender first. The spool file is renamed away from <c>*.msg</c> before
    /// the row is deleted, so a crash in between can never bring the message back through Ingest.
    /// </summary>
    public void RemoveMessage(string identity, bool withNdr)
    {
        var id = MessageId(identity);
        var message = queue.Find(id) ?? throw NotFound(identity, null);
        if (message.State is MessageState.Delivered or MessageState.Failed)
        {
            throw NotFound(identity, "queued");
        }

        var pending = message.Recipients.Where(r => r.State == RecipientState.Pending).Select(r => new FailedRecipient(r.Address, RemovedByAdministrator)).ToList();
        SpooledMessage? original = null;
        try
        {
            original = Spool.Read(message.SpoolPath);
        }
        catch (MailFlowException) when (!withNdr)
        {
            // An unreadable (poison) message can still be removed without an NDR.
        }

        if (withNdr && original is not null)
        {
            notifier.Notify(original, pending, clock.GetUtcNow(), ReportAction.Failed);
        }

        var removed = Path.ChangeExtension(message.SpoolPath, ".removed");
        if (File.Exists(message.SpoolPath))
        {
            File.Move(message.SpoolPath, removed, overwrite: true);
        }

        queue.Remove(id);
        File.Delete(removed);
        if (original is not null && pending.Count > 0)
        {
            tracking.Write(TrackingEvents.For("FAIL", "ADMIN", original, pending.Select(p => p.Address).ToList(), RemovedByAdministrator, null, null,
                withNdr ? "Remove-Message -WithNDR $true" : "Remove-Message -WithNDR $false"));
        }
    }

    private static string DeliveryTypeOf(string nextHop) => nextHop switch
    {
        "Submission" => "Undefined",
        "Poison" => "Undefined",
        _ when nextHop.Contains('.', StringComparison.Ordinal) => "DnsConnectorDelivery",
        _ => "SmartHostConnectorDelivery",
    };

    private static string QueueOf(QueuedMessage message) =>
        message.State == MessageState.Poison ? "Poison" : message.Recipients.FirstOrDefault(r => r.State == RecipientState.Pending)?.NextHop ?? "Submission";

    /// <summary><c>SERVER1\domain.com</c> or <c>domain.com</c>.</summary>
    private string QueueName(string identity)
    {
        var slash = identity.IndexOf('\\', StringComparison.Ordinal);
        if (slash >= 0 && !identity[..slash].Equals(serverName, StringComparison.OrdinalIgnoreCase))
        {
            throw new MailFlowException($"queue \"{identity}\" is not on server {serverName}", MailFlowErrorKind.NotFound);
        }

        return slash >= 0 ? identity[(slash + 1)..] : identity;
    }

    /// <summary><c>SERVER1\queue\id</c> or the bare id; public so a front end can refuse a malformed one before opening the queue.</summary>
    public static string MessageId(string identity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identity);
        var id = identity[(identity.LastIndexOf('\\') + 1)..];
        return id.Length == 32 && id.All(char.IsAsciiHexDigitLower)
            ? id
            : throw new MailFlowException($"\"{identity}\" is not a message identity (SERVER\\queue\\<32 hex digits> or the id alone)", MailFlowErrorKind.InvalidArgument);
    }

    private static MailFlowException NotFound(string identity, string? state) =>
        new(state is null ? $"message \"{identity}\" is not in the queue" : $"message \"{identity}\" is not in the queue in a {state} state", MailFlowErrorKind.NotFound);
}
