using System.Globalization;
using Spectre.Console;

namespace MailFlow.Cli.Output;

/// <summary>
/// Progress over a known number of bytes, on standard error so that <c>--json</c> output stays clean: a
/// Spectre.Console bar on a terminal, else one plain line per tenth (logs of CI jobs and pipes).
/// </summary>
internal static class ByteProgress
{
    public static T Run<T>(string label, long totalBytes, Func<IProgress<long>, T> work)
    {
        if (Console.IsErrorRedirected)
        {
            var reported = 0L;
            return work(new Reporter(bytes =>
            {
                var tenth = Math.Min(10, bytes * 10 / Math.Max(1, totalBytes));
                if (tenth > Interlocked.Exchange(ref reported, tenth))
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: {tenth * 10}% ({bytes / (1024 * 1024)} of {totalBytes / (1024 * 1024)} MB)"));
                }
            }));
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(label, maxValue: totalBytes);
                return work(new Reporter(bytes => task.Value = bytes));
            });
    }

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> would post to the thread pool and lag behind).</summary>
    private sealed class Reporter(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
