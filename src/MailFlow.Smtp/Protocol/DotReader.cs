using System.Buffers;

namespace MailFlow.Smtp.Protocol;

/// <summary>Where the message content goes (the spool transaction, a test buffer).</summary>
public interface IMessageSink
{
    void Write(ReadOnlySpan<byte> content);
}

public enum DotReaderStatus
{
    /// <summary>More input is needed.</summary>
    NeedMoreData,

    /// <summary>The <c>CRLF.CRLF</c> terminator was read; the message is complete.</summary>
    Complete,

    /// <summary>A bare CR, bare LF or NUL was found. The stream can no longer be trusted: refuse and close.</summary>
    InvalidLineEnding,
}

/// <summary>
/// The DATA reader, a byte-level state machine (RFC 5321 §4.1.1.4, §4.5.2). It starts as if a CRLF had
/// just been read, so <c>.\r\n</c> straight after the 354 is the empty message and a stuffed first
/// line is unstuffed. Only <c>CRLF.CRLF</c> ends the message: any bare CR or LF, and NUL, stop it (no
/// smuggling variant can end it early). Lines longer than 1000 octets and content beyond the size
/// limit are noted and dropped, but reading continues to the terminator so the session stays in step
/// and nothing is ever buffered in memory.
/// </summary>
public struct DotReader
{
    /// <summary>RFC 5321 §4.5.3.1.6: 1000 octets including CRLF.</summary>
    public const int MaxLineLength = 998;

    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private readonly long maxSize;
    private State state;
    private int lineLength;

    public DotReader(long maxSize)
    {
        this.maxSize = maxSize;
        state = State.LineStart;
        lineLength = 0;
        Size = 0;
        TooLarge = false;
        LineTooLong = false;
    }

    private enum State
    {
        LineStart,
        Dot,
        DotCr,
        Body,
        Cr,
    }

    /// <summary>Bytes of content so far (after unstuffing), counted even past the limit.</summary>
    public long Size { get; private set; }

    public bool TooLarge { get; private set; }

    public bool LineTooLong { get; private set; }

    /// <summary>Feeds <paramref name="buffer"/>; <paramref name="consumed"/> is how far it was read (the whole buffer unless complete or invalid).</summary>
    public DotReaderStatus Read(in ReadOnlySequence<byte> buffer, IMessageSink sink, out SequencePosition consumed)
    {
        ArgumentNullException.ThrowIfNull(sink);
        long offset = 0;
        foreach (var memory in buffer)
        {
            var span = memory.Span;
            var status = Read(span, sink, out var used);
            offset += used;
            if (status != DotReaderStatus.NeedMoreData)
            {
                consumed = buffer.GetPosition(offset);
                return status;
            }
        }

        consumed = buffer.End;
        return DotReaderStatus.NeedMoreData;
    }

    private DotReaderStatus Read(ReadOnlySpan<byte> span, IMessageSink sink, out int used)
    {
        var i = 0;
        while (i < span.Length)
        {
            switch (state)
            {
                case State.LineStart:
                    if (span[i] == (byte)'.')
                    {
                        state = State.Dot;
                        i++;
                    }
                    else
                    {
                        state = State.Body;
                    }

                    break;

                case State.Dot:
                    if (span[i] == (byte)'\r')
                    {
                        state = State.DotCr;
                        i++;
                    }
                    else
                    {
                        state = State.Body; // the stuffed dot is dropped; the byte after it is content
                    }

                    break;

                case State.DotCr:
                    used = i + 1;
                    return span[i] == (byte)'\n' ? DotReaderStatus.Complete : DotReaderStatus.InvalidLineEnding;

                case State.Body:
                    var run = span[i..].IndexOfAny((byte)'\r', (byte)'\n', (byte)0);
                    var length = run < 0 ? span.Length - i : run;
                    Emit(span.Slice(i, length), sink);
                    lineLength += length;
                    i += length;
                    if (run < 0)
                    {
                        break;
                    }

                    if (span[i] != (byte)'\r')
                    {
                        used = i + 1;
                        return DotReaderStatus.InvalidLineEnding;
                    }

                    state = State.Cr;
                    i++;
                    break;

                case State.Cr:
                    if (span[i] != (byte)'\n')
                    {
                        used = i + 1;
                        return DotReaderStatus.InvalidLineEnding;
                    }

                    if (lineLength > MaxLineLength)
                    {
                        LineTooLong = true;
                    }

                    Emit(CrLf, sink);
                    lineLength = 0;
                    state = State.LineStart;
                    i++;
                    break;
            }
        }

        used = i;
        return DotReaderStatus.NeedMoreData;
    }

    private void Emit(ReadOnlySpan<byte> content, IMessageSink sink)
    {
        if (content.IsEmpty)
        {
            return;
        }

        Size += content.Length;
        if (Size > maxSize)
        {
            TooLarge = true;
        }

        if (!TooLarge && !LineTooLong)
        {
            sink.Write(content);
        }
    }
}
