namespace MailFlow.Testing;

/// <summary>Waiting on a real server's files and state, which change on its schedule, not the test's.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; throws TimeoutException at <paramref name="timeout"/> (default 20 s) with what <paramref name="because"/> says, e.g. the server's output.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null, Func<string>? because = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException("timed out waiting for the service" + (because is null ? string.Empty : "; it printed:\n" + because()));
            }

            await Task.Delay(100);
        }
    }
}
