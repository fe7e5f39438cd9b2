using MailFlow.Configuration.Model;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// The messages waiting for one next hop, and the connections working them: up to
/// MaxPerDomainOutboundConnections workers, each holding one session that carries up to
/// SmtpMaxMessagesPerConnection messages. Work is taken as it arrives, so a slow message holds up
/// nothing but its own connection. A worker whose session can carry more waits
/// <see cref="IdleConnectionLinger"/> for the next message before it says QUIT (docs/decisions/0018).
/// </summary>
internal sealed class DestinationQueue(SendConnector connector, string domain, DestinationLimits limits)
{
    /// <summary>How long an open, reusable connection waits for more work (Postfix's smtp_connection_cache_time_limit default).</summary>
    public static readonly TimeSpan IdleConnectionLinger = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private readonly Queue<OutboundWork> pending = new();

    /// <summary>Workers waiting with an open connection; Enqueue hands work to one of them before starting another.</summary>
    private readonly List<TaskCompletionSource<bool>> idle = [];
    private int workers;
    private bool closing;

    /// <summary>Running worker loops (the agent waits for them when it stops).</summary>
    private readonly List<Task> running = [];

    public void Enqueue(OutboundWork work)
    {
        TaskCompletionSource<bool>? wake = null;
        lock (gate)
        {
            pending.Enqueue(work);
            if (idle.Count > 0)
            {
                wake = idle[^1];
                idle.RemoveAt(idle.Count - 1);
            }
            else if (workers < limits.PerDestination)
            {
                // Registered under the lock, so CloseAsync never misses a worker that is starting.
                workers++;
                running.RemoveAll(t => t.IsCompleted);
                running.Add(Task.Run(WorkAsync));
            }
        }

        wake?.TrySetResult(true);
    }

    /// <summary>Ends lingering: idle connections close now and busy ones close when their queue runs dry.</summary>
    public Task CloseAsync()
    {
        List<TaskCompletionSource<bool>> waiting;
        Task[] workerTasks;
        lock (gate)
        {
            closing = true;
            waiting = [.. idle];
            idle.Clear();
            workerTasks = [.. running];
        }

        foreach (var wake in waiting)
        {
            wake.TrySetResult(false);
        }

        return Task.WhenAll(workerTasks);
    }

    private async Task WorkAsync()
    {
        OutboundSession? session = null;
        OutboundWork? item = null;
        try
        {
            while ((item = await NextAsync(session)) is not null)
            {
                OutboundAttempt? result = null;
                while (result is null)
                {
                    if (session is not null && (!session.IsReusable || session.MessagesSent >= connector.SmtpMaxMessagesPerConnection))
                    {
                        await CloseSessionAsync(session);
                        session = null;
                    }

                    var reused = session is not null;
                    if (session is null)
                    {
                        (session, var failure) = await ConnectAsync();
                        if (session is null)
                        {
                            // As Exchange puts the whole queue into Retry: everything waiting for this next hop
                            // gets the same failure without another connection attempt.
                            foreach (var failed in TakeAll().Prepend(item))
                            {
                                limits.Settle(failed, OutboundAttempt.AllRecipients(failed.Recipients, failure!));
                            }

                            break;
                        }
                    }

                    var sent = await session.SendAsync(item.Attempt.Message.Envelope, item.Recipients, item.Attempt.Message.Content, limits.Stopping);

                    // A reused connection the server closed while it sat idle is not the message's failure:
                    // it goes again on a new connection. A new connection that drops is a deferral.
                    result = sent.ConnectionLost && reused ? null : sent;
                }

                if (result is not null)
                {
                    limits.Settle(item, result);
                }
            }
        }
        catch (Exception ex)
        {
            // A stop, or state that could not be written: the messages stay due and are tried again;
            // whoever waits for them sees why.
            foreach (var abandoned in TakeAll().Prepend(item))
            {
                abandoned?.Attempt.Abandon(ex);
            }
        }
        finally
        {
            if (session is not null)
            {
                await CloseSessionAsync(session);
            }

            lock (gate)
            {
                workers--;
            }
        }
    }

    private async Task<(OutboundSession? Session, OutboundFailure? Failure)> ConnectAsync()
    {
        await limits.Connections.WaitAsync(limits.Stopping);
        try
        {
            var (session, failure) = await limits.Outbound.ConnectAsync(connector, domain, limits.Stopping);
            if (session is null)
            {
                limits.Connections.Release();
            }

            return (session, failure);
        }
        catch
        {
            limits.Connections.Release();
            throw;
        }
    }

    /// <summary>The next message, waiting for one while the session could carry it; null when this worker should stop.</summary>
    private async Task<OutboundWork?> NextAsync(OutboundSession? session)
    {
        TaskCompletionSource<bool> wake;
        lock (gate)
        {
            if (pending.TryDequeue(out var item))
            {
                return item;
            }

            if (closing || session is null || !session.IsReusable || session.MessagesSent >= connector.SmtpMaxMessagesPerConnection)
            {
                return null;
            }

            wake = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            idle.Add(wake);
        }

        if (await Task.WhenAny(wake.Task, Task.Delay(IdleConnectionLinger, limits.Stopping)) != wake.Task)
        {
            lock (gate)
            {
                // Enqueue may have picked this worker between the timeout and the lock.
                if (!idle.Remove(wake))
                {
                    return pending.TryDequeue(out var late) ? late : null;
                }
            }

            return null;
        }

        if (!await wake.Task)
        {
            return null;
        }

        lock (gate)
        {
            return pending.TryDequeue(out var item) ? item : null;
        }
    }

    private List<OutboundWork> TakeAll()
    {
        lock (gate)
        {
            var all = pending.ToList();
            pending.Clear();
            return all;
        }
    }

    private async Task CloseSessionAsync(OutboundSession session)
    {
        await session.DisposeAsync();
        limits.Connections.Release();
    }
}

/// <summary>What every destination queue shares: the global connection limit, the connector, and the agent's settle step.</summary>
internal sealed record DestinationLimits(int PerDestination, SemaphoreSlim Connections, OutboundDelivery Outbound, Action<OutboundWork, OutboundAttempt> Settle, CancellationToken Stopping);

internal readonly record struct Destination(string Connector, string NextHop);

internal sealed record OutboundWork(MessageAttempt Attempt, SendConnector Connector, string Domain, Destination Destination, List<string> Recipients);
