using Microsoft.Extensions.Time.Testing;

namespace MailFlow.Smtp.Tests.Harness;

public static class FakeClock
{
    /// <summary>
    /// Advances the fake clock one step at a time until <paramref name="reply"/> completes, and returns
    /// how much fake time that took. Stepping (rather than one jump) tolerates the server arming its
    /// timer a moment after the client saw the previous reply.
    /// </summary>
    public static async Task<(string? Reply, TimeSpan Elapsed)> AdvanceUntilAsync(FakeTimeProvider clock, Task<string?> reply, TimeSpan step, int maxSteps)
    {
        var elapsed = TimeSpan.Zero;
        for (var i = 0; i < maxSteps && !reply.IsCompleted; i++)
        {
            await Task.Delay(25);
            clock.Advance(step);
            elapsed += step;
            await Task.WhenAny(reply, Task.Delay(25));
        }

        return (await reply.WaitAsync(TimeSpan.FromSeconds(10)), elapsed);
    }
}
