namespace MailFlow.Transport.Delivery;

/// <summary>
/// Runs the delivery agent in the background: dispatches due messages every <c>interval</c>, at once when
/// nudged after an acceptance, and again whenever an attempt ends while MaxActiveMessages held dispatch
/// back. Attempts run on their own; the dispatcher never waits for one (docs/decisions/0018).
/// </summary>
public sealed class DeliveryService : IAsyncDisposable
{
    /// <summary>How long a stop waits for attempts in progress before cancelling their network operations.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);
    private readonly DeliveryAgent agent;
    private readonly TimeSpan interval;
    private readonly Action<Exception>? onError;
    private readonly CancellationTokenSource stopping = new();
    private readonly SemaphoreSlim nudge = new(0, 1);
    private readonly Task loop;
    private volatile bool stopRequested;

    /// <summary>Set when an attempt failed on local state (disk, database): dispatch pauses one interval instead of retrying at once.</summary>
    private volatile bool backOff;

    /// <summary>Takes ownership of <paramref name="agent"/>: disposing the service stops and disposes it.</summary>
    public DeliveryService(DeliveryAgent agent, TimeSpan interval, Action<Exception>? onError = null)
    {
        this.agent = agent ?? throw new ArgumentNullException(nameof(agent));
        this.interval = interval;
        this.onError = onError;
        agent.CapacityFreed += Nudge;
        loop = Task.Run(RunAsync);
    }

    /// <summary>Asks for a dispatch now (a message was just accepted, Retry-Queue ran, or an attempt ended).</summary>
    public void Nudge()
    {
        if (nudge.CurrentCount == 0)
        {
            try
            {
                nudge.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already nudged.
            }
        }
    }

    /// <summary>
    /// Stops dispatching, lets the attempts in progress finish (so every recipient they handled has its
    /// outcome written), then stops; after <see cref="StopGrace"/> they are cancelled instead and their
    /// messages stay due for the next start.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        stopRequested = true;
        Nudge();
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        agent.CapacityFreed -= Nudge;
        await agent.StopAsync(StopGrace);
        await agent.DisposeAsync();
        await stopping.CancelAsync();
        stopping.Dispose();
        nudge.Dispose();
    }

    private async Task RunAsync()
    {
        while (!stopRequested)
        {
            try
            {
                if (backOff)
                {
                    backOff = false;
                    await Task.Delay(interval, stopping.Token);
                }

                foreach (var attempt in agent.Dispatch())
                {
                    _ = ObserveAsync(attempt);
                }

                if (!stopRequested)
                {
                    await nudge.WaitAsync(interval, stopping.Token);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsLocalFailure(ex))
            {
                onError?.Invoke(ex); // a damaged file or a full disk must not stop delivery of everything else
                backOff = true;
            }
        }
    }

    private async Task ObserveAsync(Task attempt)
    {
        try
        {
            await attempt;
        }
        catch (OperationCanceledException)
        {
            // A stop cancelled it; the message stays due.
        }
        catch (Exception ex) when (IsLocalFailure(ex))
        {
            onError?.Invoke(ex);
            backOff = true;
        }
    }

    private static bool IsLocalFailure(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or Core.Errors.MailFlowException;
}
