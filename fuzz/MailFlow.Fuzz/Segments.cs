using System.Buffers;

namespace MailFlow.Fuzz;

/// <summary>
/// Turns fuzz input into a multi-segment <see cref="ReadOnlySequence{T}"/>, the way a socket's pipe
/// hands bytes over, so the readers' segment-boundary paths are exercised too. The first input byte
/// chooses the segment length (1–64); the rest is the content.
/// </summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> input, out int segmentLength)
    {
        segmentLength = input.IsEmpty ? 1 : 1 + (input.Span[0] % 64);
        var content = input.IsEmpty ? input : input[1..];
        if (content.Length <= segmentLength)
        {
            return new ReadOnlySequence<byte>(content);
        }

        var first = new Segment(content[..segmentLength], 0);
        var last = first;
        for (var at = segmentLength; at < content.Length; at += segmentLength)
        {
            last = last.Append(content[at..Math.Min(content.Length, at + segmentLength)]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
