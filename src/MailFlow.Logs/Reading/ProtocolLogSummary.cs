using nietras.SeparatedValues;

namespace MailFlow.Logs.Reading;

/// <summary>Sessions and lines per connector over a set of protocol-log files.</summary>
public sealed record ConnectorTotals(string ConnectorId, long Sessions, long Lines);

public sealed record ProtocolLogTotals(IReadOnlyList<ConnectorTotals> Connectors, long Lines, long Bytes, IReadOnlyList<string> Malformed);

/// <summary>
/// The bulk pass over multi-GB protocol logs: Sep (docs/benchmarks.md has the comparison) splits and
/// unescapes each row into spans, the header lines are consumed before it (Sep has no comment support),
/// and a session is counted when its sequence number is 0, so nothing per row is allocated and memory
/// does not grow with the input — only with the number of distinct connectors.
/// </summary>
public static class ProtocolLogSummary
{
    public static ProtocolLogTotals Summarize(IEnumerable<string> files, Action<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var totals = new Dictionary<string, (long Sessions, long Lines)>(StringComparer.Ordinal);
        var lookup = totals.GetAlternateLookup<ReadOnlySpan<char>>();
        var malformed = new List<string>();
        long lines = 0, bytes = 0;
        foreach (var file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
            bytes += stream.Length;
            if (stream.Length == 0)
            {
                continue; // a file rotation just created: nothing to read yet
            }

            using var text = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
            var (connectorColumn, sequenceColumn, headerLines) = ReadHeader(text);
            if (connectorColumn < 0 || sequenceColumn < 0)
            {
                malformed.Add($"{file}:1 (not a protocol log: no #Fields line naming connector-id and sequence-number)");
                continue;
            }

            var dataLine = headerLines;
            try
            {
                using var reader = Sep.Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true, DisableFastFloat = true }).From(text);
                foreach (var row in reader)
                {
                    dataLine++;
                    if (row.ColCount <= Math.Max(connectorColumn, sequenceColumn))
                    {
                        if (row.Span.Length > 0 && row.Span[0] != '#')
                        {
                            malformed.Add($"{file}:{dataLine}");
                        }

                        continue;
                    }

                    // The alternate lookup finds the connector by span: a string is made once per connector, not per row.
                    ref var entry = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(lookup, row[connectorColumn].Span, out _);
                    entry = (entry.Sessions + (row[sequenceColumn].Span is "0" ? 1 : 0), entry.Lines + 1);
                    lines++;
                    if ((lines & 0xFFFFF) == 0)
                    {
                        progress?.Invoke(bytes);
                    }
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or NotSupportedException)
            {
                malformed.Add($"{file}:{dataLine + 1} ({ex.Message})");
            }
        }

        return new ProtocolLogTotals(totals.Select(t => new ConnectorTotals(t.Key, t.Value.Sessions, t.Value.Lines)).OrderBy(t => t.ConnectorId, StringComparer.Ordinal).ToList(), lines, bytes, malformed);
    }

    /// <summary>Consumes the leading # lines; returns the columns of connector-id and sequence-number.</summary>
    private static (int Connector, int Sequence, long Lines) ReadHeader(StreamReader text)
    {
        int connector = -1, sequence = -1;
        long lines = 0;
        while (text.Peek() == '#')
        {
            var line = text.ReadLine()!;
            lines++;
            if (line.StartsWith("#Fields:", StringComparison.Ordinal))
            {
                var fields = line["#Fields:".Length..].Trim().Split(',');
                connector = Array.IndexOf(fields, "connector-id");
                sequence = Array.IndexOf(fields, "sequence-number");
            }
        }

        return (connector, sequence, lines);
    }
}
