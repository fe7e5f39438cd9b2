using MailFlow.Queue;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// One message's attempt: its local and unroutable recipients are settled when it begins, its outbound
/// work goes to the destination queues, and it completes when the last of that work is settled.
/// </summary>
internal sealed class MessageAttempt(QueuedMessage queued, SpooledMessage message, DateTimeOffset now)
{
    private readonly TaskCompletionSource completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int outstanding;

    public QueuedMessage Queued { get; } = queued;

    public SpooledMessage Message { get; } = message;

    public DateTimeOffset Now { get; } = now;

    public bool Expired { get; set; }

    public List<OutboundWork> Outbound { get; } = [];

    /// <summary>Guards Failed, Deferred and LastError while destinations are worked in parallel.</summary>
    public Lock Gate { get; } = new();

    public List<FailedRecipient> Failed { get; } = [];

    public List<FailedRecipient> Deferred { get; } = [];

    public string? LastError { get; set; }

    /// <summary>Some destination of this message could not be reached at all (the connection-failure schedule applies).</summary>
    public bool ConnectionFailed { get; set; }

    /// <summary>Done when every destination has an outcome (or faulted with why it was abandoned).</summary>
    public Task Completed => completed.Task;

    /// <summary>Called once the outbound work is known; returns true when there is none and the attempt can finish now.</summary>
    public bool Dispatching()
    {
        outstanding = Outbound.Count;
        return outstanding == 0;
    }

    /// <summary>One destination's work is settled; true for the last one.</summary>
    public bool WorkSettled() => Interlocked.Decrement(ref outstanding) == 0;

    public void Complete() => completed.TrySetResult();

    /// <summary>The attempt cannot be finished (a stop, or state that could not be written): the message stays due.</summary>
    public void Abandon(Exception reason)
    {
        if (reason is OperationCanceledException)
        {
            completed.TrySetCanceled();
        }
        else
        {
            completed.TrySetException(reason);
        }
    }
}
