using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MailFlow.Bench.Tests;

/// <summary>
/// <c>bench/run-all --smoke</c> end to end: MailFlow and a private Postfix on loopback under the load
/// generator, and the log readers. Numbers from a smoke run mean nothing (small counts, other tests
/// running); what is checked is that every row is produced and every message arrived.
/// </summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task Run_all_smoke_prints_every_row_of_the_side_by_side_tables()
    {
        var repository = Repository();
        var start = new ProcessStartInfo("bash") { WorkingDirectory = repository, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("bench/run-all");
        start.ArgumentList.Add("--smoke");
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await error}");
        foreach (var scenario in new[] { "plain", "ecdsa" })
        {
            foreach (var mta in new[] { "MailFlow", "Postfix" })
            {
                var row = Regex.Match(output, $@"^\| {scenario} \| {mta} \| (?<rate>[0-9.]+) \| (?<cpu>[0-9.]+) \|", RegexOptions.Multiline);
                Assert.True(row.Success, $"no {scenario}/{mta} row in:\n{output}");
                Assert.True(double.Parse(row.Groups["rate"].Value, CultureInfo.InvariantCulture) > 0);
                Assert.True(double.Parse(row.Groups["cpu"].Value, CultureInfo.InvariantCulture) > 0);
            }
        }

        foreach (var mta in new[] { "MailFlow", "Postfix" })
        {
            // Outbound: msgs/s, CPU and the sink's end-to-end p50 (injection to arrival through the relay).
            var row = Regex.Match(output, $@"^\| per-message \| {mta} \| (?<rate>[0-9.]+) \| (?<cpu>[0-9.]+) \| (?<p50>[0-9.]+) \|", RegexOptions.Multiline);
            Assert.True(row.Success, $"no outbound per-message/{mta} row in:\n{output}");
            Assert.True(double.Parse(row.Groups["rate"].Value, CultureInfo.InvariantCulture) > 0);
            Assert.True(double.Parse(row.Groups["p50"].Value, CultureInfo.InvariantCulture) > 0);
        }

        Assert.Matches(@"\| mailflow logs summary +\| +[0-9.]+ s \| +[0-9]+ MB/s \|", output);
        Assert.Matches(@"\| mawk", output);
    }

    private static string Repository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MailFlow.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("MailFlow.slnx not found above " + AppContext.BaseDirectory);
    }
}
