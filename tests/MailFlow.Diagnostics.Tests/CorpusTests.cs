using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;
using Xunit.Abstractions;

namespace MailFlow.Diagnostics.Tests;

/// <summary>
/// The corpus of published samples (Corpus/README.md) through explain and diagnose, the way an admin
/// would hand them over: each section written to its own file and given as what it is. A sample
/// passes when one of its expected root causes is among the top two findings. Prints the scoreboard.
/// </summary>
public sealed class CorpusTests(ITestOutputHelper output)
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static TheoryData<string> Samples() => [.. Directory.GetFiles(Folder, "???-*.txt").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_corpus_is_named_in_the_top_two()
    {
        var results = Directory.GetFiles(Folder, "???-*.txt").Order(StringComparer.Ordinal).Select(f => Run(CorpusSample.Read(f))).ToList();
        foreach (var result in results)
        {
            var mark = result.Passed ? "ok  " : result.Sample.Limit is not null ? "LIM " : "MISS";
            output.WriteLine($"{mark} {result.Sample.Name,-60} expect {string.Join(" ", result.Sample.Expect),-14} got {string.Join(" ", result.Top)}");
        }

        var real = results.Where(r => !r.Sample.Synthetic).ToList();
        output.WriteLine($"corpus: {real.Count(r => r.Passed)} of {real.Count} named in top 2 (real samples); {real.Count(r => !r.Passed && r.Sample.Limit is not null)} beyond what their text tells; {results.Count - real.Count} synthetic");
        foreach (var kind in Enumerable.Range(1, 7))
        {
            var inClass = real.Where(r => r.Sample.Classes.Contains(kind)).ToList();
            output.WriteLine($"class {kind}: {inClass.Count(r => r.Passed)} of {inClass.Count}");
            Assert.True(inClass.Count(r => r.Passed) >= 3, $"class {kind} has {inClass.Count(r => r.Passed)} real samples named in the top two; at least 3 are required");
        }

        // A sample whose text cannot name its cause must not get a confident wrong answer.
        foreach (var limited in results.Where(r => !r.Passed && r.Sample.Limit is not null))
        {
            Assert.True(limited.Confident is false, $"{limited.Sample.Name} ({limited.Sample.Limit}) got a High finding: {string.Join(", ", limited.Top)}");
        }

        var misses = results.Where(r => !r.Passed && r.Sample.Limit is null).Select(r => $"{r.Sample.Name}: expected {string.Join("/", r.Sample.Expect)}, top two {string.Join(", ", r.Top)}").ToList();
        Assert.True(misses.Count == 0, "not named in the top two:\n" + string.Join("\n", misses));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_sample_is_read_without_an_exception_and_reports_what_it_read(string name)
    {
        var sample = CorpusSample.Read(Path.Combine(Folder, name));
        using var work = new TemporaryFolder();
        var diagnosis = Diagnoser.Run(sample.Request(work.Path));
        if (sample.Limit is not null && diagnosis.NothingRead)
        {
            // Beyond what its text tells: then it must say what it could not use and what to collect.
            Assert.Contains(diagnosis.Notes, n => n.StartsWith("nothing usable was read", StringComparison.Ordinal));
            return;
        }

        Assert.False(diagnosis.NothingRead, $"{name}: diagnose read nothing usable: {string.Join("; ", diagnosis.Inputs.Select(i => $"{i.Source} {i.Problem}"))}");
    }

    private static Result Run(CorpusSample sample)
    {
        using var work = new TemporaryFolder();
        var diagnosis = Diagnoser.Run(sample.Request(work.Path));
        var top = diagnosis.Findings.Take(2).Select(f => f.RootCause).ToList();
        if (top.Count == 0 && sample.Reason is { } reason)
        {
            top = ReasonExplainer.Explain(reason).Candidates.Take(2).Select(c => c.Cause.Id).ToList();
        }

        return new Result(sample, top, top.Intersect(sample.Expect).Any(), diagnosis.Findings.Any(f => f.Confidence == Confidence.High));
    }

    private sealed record Result(CorpusSample Sample, IReadOnlyList<string> Top, bool Passed, bool Confident);
}
