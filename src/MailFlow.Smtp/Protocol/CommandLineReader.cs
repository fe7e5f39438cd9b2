using System.Buffers;

namespace MailFlow.Smtp.Protocol;

public enum LineStatus
{
    /// <summary>A CRLF-terminated line was read.</summary>
    Complete,

    /// <summary>No complete line yet; read more.</summary>
    Incomplete,

    /// <summary>A LF without CR, or a CR not followed by LF: never a line end (RFC 5321 §2.3.8).</summary>
    BareLineEnding,

    /// <summary>The line (through its CRLF) was longer than allowed and has been consumed.</summary>
    TooLong,

    /// <summary>More than the limit arrived without a line end; it was consumed and the rest must be skipped up to the LF.</summary>
    TooLongUnterminated,
}

/// <summary>
/// Finds the next command line in the receive buffer, Kestrel style: it inspects the sequence without
/// copying and reports how far it consumed. Only CRLF ends a line; a bare CR or LF is reported as soon
/// as it is seen, so a client that sends <c>EHLO x\n</c> gets an answer instead of a hang.
/// </summary>
public static class CommandLineReader
{
    public static LineStatus TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        line = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> withCr, (byte)'\n', advancePastDelimiter: true))
        {
            var pendingCr = BareCrPosition(buffer, allowTrailing: true);
            if (pendingCr is { } bare)
            {
                buffer = buffer.Slice(bare + 1);
                return LineStatus.BareLineEnding;
            }

            if (buffer.Length > maxLength)
            {
                buffer = buffer.Slice(buffer.End);
                return LineStatus.TooLongUnterminated;
            }

            return LineStatus.Incomplete;
        }

        var consumedTo = reader.Position;
        if (withCr.Length == 0 || LastByte(withCr) != (byte)'\r')
        {
            buffer = buffer.Slice(consumedTo);
            return LineStatus.BareLineEnding;
        }

        var content = withCr.Slice(0, withCr.Length - 1);
        buffer = buffer.Slice(consumedTo);
        if (BareCrPosition(content, allowTrailing: false) is not null)
        {
            return LineStatus.BareLineEnding;
        }

        if (content.Length > maxLength)
        {
            return LineStatus.TooLong;
        }

        line = content;
        return LineStatus.Complete;
    }

    /// <summary>Skips the rest of an over-long line: consumes through the next LF. True when the LF was found.</summary>
    public static bool SkipToLineEnd(ref ReadOnlySequence<byte> buffer)
    {
        var at = buffer.PositionOf((byte)'\n');
        if (at is null)
        {
            buffer = buffer.Slice(buffer.End);
            return false;
        }

        buffer = buffer.Slice(buffer.GetPosition(1, at.Value));
        return true;
    }

    private static byte LastByte(in ReadOnlySequence<byte> sequence) =>
        sequence.IsSingleSegment ? sequence.FirstSpan[^1] : sequence.Slice(sequence.Length - 1).FirstSpan[0];

    /// <summary>Offset of a CR that is followed by something other than LF (a trailing CR may still get its LF).</summary>
    private static long? BareCrPosition(in ReadOnlySequence<byte> sequence, bool allowTrailing)
    {
        long offset = 0;
        var previousCr = false;
        foreach (var memory in sequence)
        {
            var span = memory.Span;
            for (var i = 0; i < span.Length; i++)
            {
                if (previousCr && span[i] != (byte)'\n')
                {
                    return offset + i - 1;
                }

                previousCr = span[i] == (byte)'\r';
            }

            offset += span.Length;
        }

        return previousCr && !allowTrailing ? offset - 1 : null;
    }
}
