using System.Buffers;
using System.Text;
using MailFlow.Certificates.Store;
using MailFlow.Configuration;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Diagnostics.Reasons;
using MailFlow.Logs.Reading;
using MailFlow.Smtp.Protocol;

namespace MailFlow.Fuzz;

/// <summary>An invariant of a parser broke: reported to the fuzzer as a crash, like an unhandled exception.</summary>
internal sealed class InvariantException(string message) : Exception(message);

/// <summary>
/// One fuzz target per parser that takes outside bytes. A target feeds the input to the real parser and
/// lets any exception escape except the parser's documented "bad input" answer (a
/// <see cref="MailFlowException"/>, or the status the parser returns), so everything else the fuzzer
/// sees escape is a finding. Where a parser promises more than "does not throw" (progress, bounds),
/// the target checks it and throws <see cref="InvariantException"/>.
/// </summary>
internal static class Targets
{
    /// <summary>The session's limits (SmtpSession): a command line, an AUTH response line.</summary>
    private const int MaxCommandLength = 510;
    private const int MaxAuthLineLength = 12_286;

    public static IReadOnlyDictionary<string, (string Parser, Action<ReadOnlyMemory<byte>> Run)> All { get; } =
        new Dictionary<string, (string, Action<ReadOnlyMemory<byte>>)>(StringComparer.Ordinal)
        {
            ["smtp-command"] = ("CommandLineReader + SmtpCommandParser", SmtpCommand),
            ["dot-reader"] = ("DotReader (DATA content)", DotContent),
            ["bdat"] = ("BdatCommand + BdatLineEndings (BDAT chunks)", Bdat),
            ["path"] = ("PathParser (MAIL FROM / RCPT TO and parameters)", Path),
            ["auth"] = ("SaslDecoder (AUTH PLAIN / LOGIN responses)", Auth),
            ["reason"] = ("ReasonParser", Reason),
            ["exchange-log"] = ("ExchangeLogReader + ProtocolLogSessions + MessageTrackingLogEntry", ExchangeLog),
            ["log-summary"] = ("ProtocolLogSummary", LogSummary),
            ["format-list"] = ("FormatListReader (Get-… | fl dumps)", FormatList),
            ["certificate-pem"] = ("CertificateFileReader.ReadPem", CertificatePem),
            ["certificate-pfx"] = ("CertificateFileReader.ReadPkcs12", CertificatePfx),
            ["config"] = ("ConfigurationStore.Load (config.json + validator)", Config),
        };

    /// <summary>The receive loop's line handling: every line the reader yields is parsed, progress is guaranteed.</summary>
    private static void SmtpCommand(ReadOnlyMemory<byte> input)
    {
        var buffer = Segments.Split(input, out _);
        var skipping = false;
        while (!buffer.IsEmpty)
        {
            var before = buffer.Length;
            if (skipping)
            {
                if (!CommandLineReader.SkipToLineEnd(ref buffer))
                {
                    return;
                }

                skipping = false;
                continue;
            }

            var status = CommandLineReader.TryRead(ref buffer, MaxAuthLineLength, out var line);
            if (status == LineStatus.Incomplete)
            {
                if (buffer.Length > MaxAuthLineLength)
                {
                    throw new InvariantException($"Incomplete with {buffer.Length} octets buffered, over the {MaxAuthLineLength} limit");
                }

                return;
            }

            if (buffer.Length >= before)
            {
                throw new InvariantException($"{status} consumed nothing");
            }

            skipping = status == LineStatus.TooLongUnterminated;
            if (status != LineStatus.Complete)
            {
                continue;
            }

            if (line.Length > MaxAuthLineLength || line.PositionOf((byte)'\r') is not null || line.PositionOf((byte)'\n') is not null)
            {
                throw new InvariantException("a Complete line is over the limit or holds CR or LF");
            }

            var command = SmtpCommandParser.Parse(line, keepLine: (input.Length & 1) == 0);
            if (line.Length <= MaxCommandLength)
            {
                Arguments(command);
            }
        }
    }

    /// <summary>What the session does next with a command's argument.</summary>
    private static void Arguments(SmtpCommand command)
    {
        switch (command.Verb)
        {
            case SmtpVerb.Mail:
                Parameters(PathParser.TryParse(command.Argument, "FROM:", allowNullPath: true, smtpUtf8Allowed: true, out var from), from);
                break;
            case SmtpVerb.Rcpt:
                Parameters(PathParser.TryParse(command.Argument, "TO:", allowNullPath: false, smtpUtf8Allowed: false, out var to), to);
                break;
            case SmtpVerb.Bdat:
                _ = BdatCommand.TryParse(command.Argument, out _, out _);
                break;
            case SmtpVerb.Auth:
                var space = command.Argument.IndexOf(' ', StringComparison.Ordinal);
                _ = SaslDecoder.DecodePlain(space < 0 ? string.Empty : command.Argument[(space + 1)..]);
                break;
        }
    }

    private static void Parameters(PathError error, PathArgument? path)
    {
        if (error == PathError.None)
        {
            if (path is null)
            {
                throw new InvariantException("PathError.None without a path");
            }

            _ = (path.Domain, path.LocalPart);
            foreach (var value in path.Parameters.Values)
            {
                _ = PathParser.TryParseSize(value, out _);
            }
        }
        else if (path is not null)
        {
            throw new InvariantException($"{error} with a path");
        }
    }

    /// <summary>
    /// A DATA stream as the pipe delivers it; after each terminator the rest is the next message, as
    /// with pipelining. The size limit is small so the too-large path runs too.
    /// </summary>
    private static void DotContent(ReadOnlyMemory<byte> input)
    {
        var buffer = Segments.Split(input, out var segment);
        var sink = new CountingSink();
        while (!buffer.IsEmpty)
        {
            var reader = new DotReader(maxSize: 64 * segment);
            sink.Written = 0;
            var status = reader.Read(buffer, sink, out var consumed);
            var used = buffer.Slice(0, consumed).Length;
            if (sink.Written > reader.Size || reader.Size > used)
            {
                throw new InvariantException($"wrote {sink.Written} octets and counted {reader.Size} from {used} read");
            }

            if (status == DotReaderStatus.NeedMoreData)
            {
                if (used != buffer.Length)
                {
                    throw new InvariantException("NeedMoreData without consuming the whole buffer");
                }

                return;
            }

            if (used == 0)
            {
                throw new InvariantException($"{status} consumed nothing");
            }

            buffer = buffer.Slice(consumed);
        }
    }

    private sealed class CountingSink : IMessageSink
    {
        public long Written { get; set; }

        public void Write(ReadOnlySpan<byte> content) => Written += content.Length;
    }

    /// <summary>"BDAT n [LAST]" lines, each followed by up to n octets of content checked across chunk boundaries.</summary>
    private static void Bdat(ReadOnlyMemory<byte> input)
    {
        var rest = input;
        var endings = new BdatLineEndings();
        while (!rest.IsEmpty)
        {
            var lineEnd = rest.Span.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return;
            }

            var argument = Encoding.UTF8.GetString(rest.Span[..lineEnd]);
            rest = rest[(lineEnd + 2)..];
            if (!BdatCommand.TryParse(argument.StartsWith("BDAT ", StringComparison.OrdinalIgnoreCase) ? argument[5..] : argument, out var size, out var last))
            {
                return; // the session closes here: the byte stream can no longer be followed
            }

            if (size < 0)
            {
                throw new InvariantException($"negative chunk size {size} from '{argument}'");
            }

            var chunk = rest[..(int)Math.Min(size, rest.Length)];
            rest = rest[chunk.Length..];
            if (!endings.Accept(chunk.Span) || last)
            {
                endings = new BdatLineEndings();
            }
        }
    }

    /// <summary>The first byte picks the MAIL or RCPT form and the SMTPUTF8 setting; the rest is the argument.</summary>
    private static void Path(ReadOnlyMemory<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var flags = input.Span[0];
        var argument = Encoding.UTF8.GetString(input.Span[1..]);
        var prefix = (flags & 1) == 0 ? "FROM:" : "TO:";
        Parameters(PathParser.TryParse(argument, prefix, allowNullPath: (flags & 2) != 0, smtpUtf8Allowed: (flags & 4) != 0, out var path), path);
    }

    /// <summary>The session reads an AUTH response line as ASCII.</summary>
    private static void Auth(ReadOnlyMemory<byte> input)
    {
        var text = Encoding.ASCII.GetString(input.Span);
        _ = SaslDecoder.DecodeText(text);
        if (SaslDecoder.DecodePlain(text) is { } credentials && credentials.User.Length == 0)
        {
            throw new InvariantException("PLAIN credentials with an empty user");
        }
    }

    private static void Reason(ReadOnlyMemory<byte> input) => _ = ReasonParser.Parse(Encoding.UTF8.GetString(input.Span));

    private static void ExchangeLog(ReadOnlyMemory<byte> input)
    {
        var file = Scratch.Write("RECV2026120300-1.LOG", input.Span);
        var reader = new ExchangeLogReader();
        var rows = reader.Read(file).ToList();
        _ = ProtocolLogSessions.Read(rows);
        foreach (var row in rows)
        {
            _ = MessageTrackingLogEntry.From(row);
        }
    }

    private static void LogSummary(ReadOnlyMemory<byte> input)
    {
        var file = Scratch.Write("RECV2026120300-2.LOG", input.Span);
        var totals = ProtocolLogSummary.Summarize([file]);
        if (totals.Bytes != input.Length)
        {
            throw new InvariantException($"summary counted {totals.Bytes} bytes of {input.Length}");
        }
    }

    private static void FormatList(ReadOnlyMemory<byte> input)
    {
        var file = Scratch.Write("dump.txt", input.Span);
        foreach (var dumped in FormatListReader.Read(file, []))
        {
            foreach (var property in dumped.Properties.Keys)
            {
                _ = dumped.List(property);
            }
        }
    }

    private static void CertificatePem(ReadOnlyMemory<byte> input)
    {
        var file = Scratch.Write("certificate.pem", input.Span);
        Documented(() => CertificateFileReader.ReadPem(file, keyFile: null, keyPassword: "fuzz", allowWithoutPrivateKey: (input.Length & 1) == 0));
    }

    private static void CertificatePfx(ReadOnlyMemory<byte> input)
    {
        var file = Scratch.Write("certificate.pfx", input.Span);
        Documented(() => CertificateFileReader.ReadPkcs12(file, "fuzz"));
    }

    private static void Config(ReadOnlyMemory<byte> input)
    {
        var data = System.IO.Path.Combine(Scratch.Directory, "data");
        Directory.CreateDirectory(data);
        Scratch.Write("data/config.json", input.Span);
        try
        {
            _ = new ConfigurationStore(new DataDirectory(data)).Load();
        }
        catch (MailFlowException)
        {
            // the documented answer to a bad config.json
        }
    }

    private static void Documented(Func<ImportedCertificate> read)
    {
        try
        {
            var imported = read();
            imported.Leaf.Dispose();
            foreach (var certificate in imported.Chain)
            {
                certificate.Dispose();
            }
        }
        catch (MailFlowException)
        {
            // the documented answer to a bad certificate file
        }
    }
}
