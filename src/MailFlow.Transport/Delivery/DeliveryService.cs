namespace MailFlow.Transport.Delivery;

/// <summary>Runs the delivery agent in the background: every <c>interval</c>, and at once when nudged after an acceptance.</summary>
public sealed class DeliveryService : IAsyncDisposable
{
    /// <summary>How long a stop waits for the pass in progress before cancelling its network operations.</summary>
    private static readonly TimeSpan PassGrace = TimeSpan.FromSeconds(30);
    private readonly DeliveryAgent agent;
    private readonly CancellationTokenSource stopping = new();
    private readonly SemaphoreSlim nudge = new(0, 1);
    private readonly Task loop;
    private volatile bool stopRequested;

    public DeliveryService(DeliveryAgent agent, TimeSpan interval, Action<Exception>? onError = null)
    {
        this.agent = agent ?? throw new ArgumentNullException(nameof(agent));
        loop = Task.Run(() => RunAsync(interval, onError));
    }

    /// <summary>Asks for a pass now (a message was just accepted, or Retry-Queue ran).</summary>
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
    /// Lets the pass in progress finish (so every recipient it handled has its outcome written), then
    /// stops; after <see cref="PassGrace"/> the pass is cancelled instead.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        stopRequested = true;
        Nudge();
        if (await Task.WhenAny(loop, Task.Delay(PassGrace)) != loop)
        {
            await stopping.CancelAsync();
        }

        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
        nudge.Dispose();
    }

    private async Task RunAsync(TimeSpan interval, Action<Exception>? onError)
    {
        while (!stopRequested)
        {
            try
            {
                await agent.RunOnceAsync(stopping.Token);
                if (!stopRequested)
                {
                    await nudge.WaitAsync(interval, stopping.Token);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or Core.Errors.MailFlowException)
            {
                onError?.Invoke(ex); // a damaged file or a full disk must not stop delivery of everything else
                await Task.Delay(interval, stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
