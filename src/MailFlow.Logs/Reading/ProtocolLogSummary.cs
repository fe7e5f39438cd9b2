using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace MailFlow.Logs.Reading;

/// <summary>Sessions and lines per connector over a set of protocol-log files.</summary>
public sealed record ConnectorTotals(string ConnectorId, long Sessions, long Lines);

public sealed record ProtocolLogTotals(IReadOnlyList<ConnectorTotals> Connectors, long Lines, long Bytes, IReadOnlyList<string> Malformed);

/// <summary>
/// The bulk pass over multi-GB protocol logs: sessions and lines per connector. It works on the file's
/// UTF-8 bytes in a bounded buffer and looks only at the two columns it needs (connector-id and
/// sequence-number, wherever #Fields puts them); the rest of each row is skipped with vectorised
/// searches for the next quote or newline, honouring RFC 4180 quoting. A connector name becomes a
/// string once per connector and a row is matched against the previous row's connector by bytes, so
/// nothing per row is allocated and memory does not grow with the input. This replaced a Sep pass
/// (UTF-16 decoding and every column split) that read 640–850 MB/s; docs/benchmarks.md has both.
/// </summary>
public static class ProtocolLogSummary
{
    /// <summary>Malformed rows listed by file and line; past this many only the count is kept.</summary>
    public const int MaxMalformedListed = 1000;

    private const int InitialBuffer = 1 << 20;

    /// <summary>A row longer than this is reported and skipped rather than buffered whole.</summary>
    private const int MaxRowBytes = 16 << 20;

    public static ProtocolLogTotals Summarize(IEnumerable<string> files, Action<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var tally = new Tally();
        long bytes = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            foreach (var file in files)
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
                var before = bytes;
                bytes += stream.Length;
                if (stream.Length > 0) // a file rotation just created has nothing to read yet
                {
                    buffer = new FileScan(file, stream, tally, read => progress?.Invoke(before + read)).Run(buffer);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return tally.Totals(bytes);
    }

    /// <summary>Counts across files: one counter object per connector, found by name once per change of connector.</summary>
    private sealed class Tally
    {
        private readonly Dictionary<string, Counter> connectors = new(StringComparer.Ordinal);
        private readonly List<string> malformed = [];
        private long unlisted;
        private byte[] lastKey = [];
        private Counter? last;

        public long Lines { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Count(ReadOnlySpan<byte> connectorField, bool sessionStart)
        {
            if (last is null || !connectorField.SequenceEqual(lastKey))
            {
                var name = Unescape(connectorField);
                if (!connectors.TryGetValue(name, out last))
                {
                    last = new Counter();
                    connectors.Add(name, last);
                }

                lastKey = connectorField.ToArray();
            }

            last.Lines++;
            if (sessionStart)
            {
                last.Sessions++;
            }

            Lines++;
        }

        public void Malformed(string where)
        {
            if (malformed.Count < MaxMalformedListed)
            {
                malformed.Add(where);
            }
            else
            {
                unlisted++;
            }
        }

        public ProtocolLogTotals Totals(long bytes)
        {
            var listed = unlisted == 0 ? malformed : [.. malformed, $"… and {unlisted} more malformed rows"];
            return new ProtocolLogTotals(connectors.Select(c => new ConnectorTotals(c.Key, c.Value.Sessions, c.Value.Lines)).OrderBy(t => t.ConnectorId, StringComparer.Ordinal).ToList(),
                Lines, bytes, listed);
        }

        private sealed class Counter
        {
            public long Sessions;
            public long Lines;
        }
    }

    /// <summary>One file, row by row through a refilled buffer.</summary>
    private sealed class FileScan(string file, FileStream stream, Tally tally, Action<long> progress)
    {
        private int connectorColumn = -1;
        private int sequenceColumn = -1;
        private long line;
        private long rowsSinceProgress;

        /// <summary>Scans the file; returns the buffer in use (it may have grown for a long row).</summary>
        // A bulk pass of a second or two: compiled fully optimised at once rather than through the JIT tiers.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public byte[] Run(byte[] buffer)
        {
            int start = 0, end = 0;
            long read = 0;
            var eof = false;
            var terminated = false; // the newline given to a last row that had none
            var skippingLongRow = false;
            while (true)
            {
                var window = buffer.AsSpan(start, end - start);
                var consumed = skippingLongRow ? RowEnd(window) + 1 : Row(window);
                if (consumed > 0)
                {
                    start += consumed;
                    skippingLongRow = false;
                    if (consumed == int.MaxValue)
                    {
                        return buffer; // not a protocol log: reported, the rest of the file is not read
                    }

                    if (++rowsSinceProgress == 1 << 20)
                    {
                        rowsSinceProgress = 0;
                        progress(read - (end - start));
                    }

                    continue;
                }

                // The row is not complete in the buffer: move it to the front, grow if it fills the buffer, read more.
                window.CopyTo(buffer);
                (start, end) = (0, window.Length);
                if (eof)
                {
                    if (end == 0 || skippingLongRow)
                    {
                        return buffer;
                    }

                    if (terminated)
                    {
                        // Even with a line end the row does not close: a quote opened and never closed.
                        tally.Malformed($"{file}:{line + 1} (unclosed quote at the end of the file)");
                        return buffer;
                    }

                    terminated = true;
                    buffer = Room(buffer, end);
                    buffer[end++] = (byte)'\n'; // the last row has no line end: give it one
                    continue;
                }

                if (end == buffer.Length)
                {
                    if (skippingLongRow)
                    {
                        end = 0; // still inside the long row reported before
                    }
                    else if (buffer.Length >= MaxRowBytes)
                    {
                        // Report once and drop what is buffered; the rest of the row goes when its line end comes.
                        line++;
                        tally.Malformed($"{file}:{line} (row longer than {MaxRowBytes / (1 << 20)} MB)");
                        skippingLongRow = true;
                        end = 0;
                    }
                    else
                    {
                        buffer = Room(buffer, end);
                    }
                }

                var count = stream.Read(buffer, end, buffer.Length - end);
                eof = count == 0;
                end += count;
                read += count;
            }
        }

        /// <summary>
        /// Reads one row from the start of <paramref name="text"/> and counts it: up to the columns it needs
        /// field by field, then straight to the line end. Returns the bytes the row took with its line end,
        /// 0 when the line end is not in <paramref name="text"/> yet, or int.MaxValue when the file turns
        /// out not to be a protocol log.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int Row(ReadOnlySpan<byte> text)
        {
            if (text.IsEmpty)
            {
                return 0;
            }

            if (text[0] == (byte)'#' || (line == 0 && text.StartsWith("\uFEFF"u8)))
            {
                return Header(text);
            }

            if (connectorColumn < 0 || sequenceColumn < 0)
            {
                tally.Malformed($"{file}:1 (not a protocol log: no #Fields line naming connector-id and sequence-number)");
                return int.MaxValue;
            }

            ReadOnlySpan<byte> connector = default, sequence = default;
            var last = Math.Max(connectorColumn, sequenceColumn);
            var at = 0;
            for (var column = 0; column <= last; column++)
            {
                var length = FieldLength(text[at..]);
                if (length < 0)
                {
                    return 0;
                }

                var field = text.Slice(at, length);
                if (column == connectorColumn)
                {
                    connector = field;
                }
                else if (column == sequenceColumn)
                {
                    sequence = field;
                }

                at += length;
                if (text[at] != (byte)',' && column < last)
                {
                    // The line ended before the columns this reader needs.
                    line++;
                    tally.Malformed($"{file}:{line}");
                    return at + 1;
                }

                at++;
            }

            var rest = text[(at - 1)..];
            var rowEnd = rest[0] == (byte)'\n' ? 0 : RowEnd(rest);
            if (rowEnd < 0)
            {
                return 0;
            }

            line++;
            tally.Count(connector, sequence.SequenceEqual("0"u8) || sequence.SequenceEqual("\"0\""u8) || sequence.SequenceEqual("0\r"u8));
            return at + rowEnd;
        }

        /// <summary>A # line (a #Fields line sets the columns) or a byte-order mark before the first one.</summary>
        private int Header(ReadOnlySpan<byte> text)
        {
            var rowEnd = RowEnd(text);
            if (rowEnd < 0)
            {
                return 0;
            }

            var row = text[..rowEnd].TrimEnd((byte)'\r');
            line++;
            if (row.StartsWith("\uFEFF"u8))
            {
                row = row[3..];
                if (row.IsEmpty || row[0] != (byte)'#')
                {
                    line--;
                    return 3; // only the byte-order mark: the row after it is read as usual
                }
            }

            if (row.StartsWith("#Fields:"u8))
            {
                var fields = Encoding.UTF8.GetString(row["#Fields:".Length..]).Trim().Split(',');
                connectorColumn = Array.IndexOf(fields, "connector-id");
                sequenceColumn = Array.IndexOf(fields, "sequence-number");
            }

            return rowEnd + 1;
        }

        private static byte[] Room(byte[] buffer, int used)
        {
            if (used < buffer.Length)
            {
                return buffer;
            }

            var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
            buffer.AsSpan(0, used).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            return larger;
        }
    }

    /// <summary>
    /// Where the row that starts <paramref name="text"/> ends (the index of its newline), or -1 when the
    /// newline is not in <paramref name="text"/> yet. A newline inside quotes belongs to the field
    /// (RFC 4180 §2.6); a doubled quote closes and reopens, which leaves the parity right.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int RowEnd(ReadOnlySpan<byte> text)
    {
        var at = 0;
        while (true)
        {
            var next = text[at..].IndexOfAny((byte)'"', (byte)'\n');
            if (next < 0)
            {
                return -1;
            }

            at += next;
            if (text[at] == (byte)'\n')
            {
                return at;
            }

            var closing = text[(at + 1)..].IndexOf((byte)'"');
            if (closing < 0)
            {
                return -1;
            }

            at += closing + 2;
        }
    }

    /// <summary>
    /// Length of the field that starts <paramref name="text"/>: up to the first comma or line end outside
    /// quotes; -1 when neither is in <paramref name="text"/> yet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int FieldLength(ReadOnlySpan<byte> text)
    {
        var at = 0;
        while (true)
        {
            var next = text[at..].IndexOfAny((byte)',', (byte)'"', (byte)'\n');
            if (next < 0)
            {
                return -1;
            }

            at += next;
            if (text[at] != (byte)'"')
            {
                return at;
            }

            var closing = text[(at + 1)..].IndexOf((byte)'"');
            if (closing < 0)
            {
                return -1;
            }

            at += closing + 2;
        }
    }

    /// <summary>A field's text: a quoted field loses its quotes and has doubled quotes halved (RFC 4180 §2.7).</summary>
    internal static string Unescape(ReadOnlySpan<byte> field)
    {
        if (field.Length < 2 || field[0] != (byte)'"' || field[^1] != (byte)'"')
        {
            return Encoding.UTF8.GetString(field);
        }

        return Encoding.UTF8.GetString(field[1..^1]).Replace("\"\"", "\"", StringComparison.Ordinal);
    }
}
