using System.Buffers;
using System.Text;
using CsCheck;
using MailFlow.Smtp.Protocol;

namespace MailFlow.Smtp.Tests;

/// <summary>
/// The receive side's parsers on generated input (the cheap, always-run companion of fuzz/): random
/// bytes biased towards CR, LF, dots and command words, delivered in random segments as a socket
/// pipe would. Each parser answers with its status, never an exception, and always makes progress.
/// </summary>
public sealed class ParserPropertyTests
{
    private static readonly Gen<byte[]> Wire = Gen.OneOf(
            Gen.Byte,
            Gen.OneOf<byte>((byte)'\r', (byte)'\n', (byte)'.', (byte)' ', (byte)'<', (byte)'>', (byte)'@', (byte)':', 0))
        .Array[0, 600];

    private static readonly Gen<(byte[] Bytes, int Segment)> Segmented = Gen.Select(Wire, Gen.Int[1, 64]);

    [Fact]
    public void The_command_line_reader_always_makes_progress_and_yields_only_bounded_lines_without_CR_or_LF()
    {
        Segmented.Sample(input =>
        {
            var buffer = Split(input.Bytes, input.Segment);
            while (!buffer.IsEmpty)
            {
                var before = buffer.Length;
                var status = CommandLineReader.TryRead(ref buffer, 100, out var line);
                if (status == LineStatus.Incomplete)
                {
                    Assert.InRange(buffer.Length, 0, 100);
                    return;
                }

                Assert.True(buffer.Length < before, $"{status} consumed nothing");
                if (status == LineStatus.TooLongUnterminated && !CommandLineReader.SkipToLineEnd(ref buffer))
                {
                    return;
                }

                if (status == LineStatus.Complete)
                {
                    Assert.InRange(line.Length, 0, 100);
                    Assert.Null(line.PositionOf((byte)'\r'));
                    Assert.Null(line.PositionOf((byte)'\n'));
                    _ = SmtpCommandParser.Parse(line, keepLine: true);
                }
            }
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void The_DATA_reader_consumes_everything_until_it_ends_and_never_writes_more_than_it_read()
    {
        Segmented.Sample(input =>
        {
            var buffer = Split([.. input.Bytes, .. "\r\n.\r\n"u8], input.Segment);
            var sink = new Sink();
            var reader = new DotReader(maxSize: 200);
            var status = reader.Read(buffer, sink, out var consumed);
            var used = buffer.Slice(0, consumed).Length;
            Assert.NotEqual(DotReaderStatus.NeedMoreData, status); // a terminator or a bad line ending always comes
            Assert.InRange(sink.Written, 0, reader.Size);
            Assert.InRange(reader.Size, 0, used);
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void MAIL_and_RCPT_arguments_parse_to_a_path_or_an_error_never_both()
    {
        Gen.Select(Wire, Gen.Bool, Gen.Bool).Sample((bytes, mail, utf8) =>
        {
            var argument = (mail ? "FROM:" : "TO:") + Encoding.UTF8.GetString(bytes);
            var error = PathParser.TryParse(argument, mail ? "FROM:" : "TO:", allowNullPath: mail, smtpUtf8Allowed: utf8, out var path);
            Assert.Equal(error == PathError.None, path is not null);
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void AUTH_responses_decode_to_credentials_or_null()
    {
        Gen.OneOf(Gen.String[0, 200], Gen.Byte.Array[0, 120].Select(Convert.ToBase64String)).Sample(text =>
        {
            Assert.True(SaslDecoder.DecodePlain(text) is null or { User.Length: > 0 });
            _ = SaslDecoder.DecodeText(text);
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void BDAT_arguments_are_a_non_negative_size_or_refused()
    {
        Gen.OneOf(Gen.String[0, 30], Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture) + " LAST")).Sample(argument =>
        {
            if (BdatCommand.TryParse(argument, out var size, out _))
            {
                Assert.True(size >= 0);
            }
        }, iter: 2000, threads: 1);
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, int segment)
    {
        if (bytes.Length <= segment)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var first = new Chunk(bytes.AsMemory(0, segment), 0);
        var last = first;
        for (var at = segment; at < bytes.Length; at += segment)
        {
            last = last.Append(bytes.AsMemory(at, Math.Min(segment, bytes.Length - at)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Chunk Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Chunk(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    private sealed class Sink : IMessageSink
    {
        public long Written { get; private set; }

        public void Write(ReadOnlySpan<byte> content) => Written += content.Length;
    }
}
