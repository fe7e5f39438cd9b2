using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using MailFlow.Smtp.Protocol;

namespace MailFlow.Benchmarks;

/// <summary>
/// The receive hot path without sockets: finding command lines in a pipelined buffer, identifying the
/// verb, and the DATA dot-reader over a 10 KiB message (76-character lines, some dot-stuffed).
/// </summary>
[MemoryDiagnoser]
public class SmtpParsingBenchmarks
{
    private sealed class NullSink : IMessageSink
    {
        public long Bytes;

        public void Write(ReadOnlySpan<byte> content) => Bytes += content.Length;
    }

    private readonly NullSink sink = new();
    private ReadOnlySequence<byte> commands;
    private ReadOnlySequence<byte> message;

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            text.Append("RCPT TO:<user").Append(i).Append("@domain.com>\r\n");
        }

        commands = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text.ToString()));
        var body = new StringBuilder("Subject: benchmark\r\n\r\n");
        while (body.Length < 10 * 1024)
        {
            body.Append(body.Length % 7 == 0 ? ".." : string.Empty).Append(new string('m', 74)).Append("\r\n");
        }

        message = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(body + ".\r\n"));
    }

    /// <summary>100 pipelined RCPT lines: find each line and its verb (no decoding).</summary>
    [Benchmark]
    public int FindLinesAndVerbs()
    {
        var buffer = commands;
        var count = 0;
        while (CommandLineReader.TryRead(ref buffer, 12_286, out var line) == LineStatus.Complete)
        {
            var first = line.FirstSpan;
            var space = first.IndexOf((byte)' ');
            count += SmtpCommandParser.Identify(space < 0 ? first : first[..space]) == SmtpVerb.Rcpt ? 1 : 0;
        }

        return count;
    }

    /// <summary>The same 100 lines fully parsed, as the session does (argument strings are the only allocations).</summary>
    [Benchmark]
    public int ParseCommands()
    {
        var buffer = commands;
        var count = 0;
        while (CommandLineReader.TryRead(ref buffer, 12_286, out var line) == LineStatus.Complete)
        {
            count += SmtpCommandParser.Parse(line, keepLine: false).Argument.Length;
        }

        return count;
    }

    /// <summary>A 10 KiB message through the DATA state machine.</summary>
    [Benchmark]
    public long DotReader10KiB()
    {
        var reader = new DotReader(37_748_736);
        reader.Read(message, sink, out _);
        return reader.Size;
    }
}
