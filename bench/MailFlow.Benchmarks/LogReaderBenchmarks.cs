using BenchmarkDotNet.Attributes;
using MailFlow.Logs.Reading;
using nietras.SeparatedValues;
using Sylvan.Data.Csv;

namespace MailFlow.Benchmarks;

/// <summary>
/// Sessions per connector over a 64 MB SmtpReceive log (warm, from the page cache):
/// <see cref="ProtocolLogSummary"/> (byte-level, two columns) against the Sep and Sylvan CSV readers it
/// was chosen over, plus the simple line reader diagnose uses for row-level work.
/// </summary>
[MemoryDiagnoser]
public class LogReaderBenchmarks
{
    private string file = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        file = Path.Combine(Path.GetTempPath(), "mailflow-bench-recv.LOG");
        if (!File.Exists(file) || new FileInfo(file).Length < 64L * 1024 * 1024)
        {
            SmtpReceiveLogGenerator.Write(file, 64L * 1024 * 1024);
        }
    }

    [Benchmark(Baseline = true)]
    public long Summary() => ProtocolLogSummary.Summarize([file]).Connectors.Sum(c => c.Sessions);

    [Benchmark]
    public long Sep()
    {
        using var text = new StreamReader(file, System.Text.Encoding.UTF8, true, 1 << 16);
        while (text.Peek() == '#')
        {
            text.ReadLine();
        }

        var sessions = new Dictionary<string, long>();
        var lookup = sessions.GetAlternateLookup<ReadOnlySpan<char>>();
        using var reader = nietras.SeparatedValues.Sep.Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true, DisableFastFloat = true }).From(text);
        foreach (var row in reader)
        {
            if (row[3].Span is "0")
            {
                ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(lookup, row[1].Span, out _);
                count++;
            }
        }

        return sessions.Values.Sum();
    }

    [Benchmark]
    public long Sylvan()
    {
        using var text = new StreamReader(file, System.Text.Encoding.UTF8, true, 1 << 16);
        while (text.Peek() == '#')
        {
            text.ReadLine();
        }

        using var reader = CsvDataReader.Create(text, new CsvDataReaderOptions { HasHeaders = false, BufferSize = 1 << 16 });
        var sessions = new Dictionary<string, long>();
        var lookup = sessions.GetAlternateLookup<ReadOnlySpan<char>>();
        while (reader.Read())
        {
            if (reader.GetFieldSpan(3) is "0")
            {
                ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(lookup, reader.GetFieldSpan(1), out _);
                count++;
            }
        }

        return sessions.Values.Sum();
    }

    [Benchmark]
    public long LineReader()
    {
        var sessions = new Dictionary<string, long>();
        foreach (var row in new ExchangeLogReader().Read(file))
        {
            if (row.Values.Count > 3 && row.Values[3] == "0")
            {
                sessions[row.Values[1]] = sessions.GetValueOrDefault(row.Values[1]) + 1;
            }
        }

        return sessions.Values.Sum();
    }
}
