using System.Text;

namespace MailFlow.Logs.Reading;

/// <summary>One data line of an Exchange CSV log, with the file and line it came from.</summary>
public sealed record LogRow(string File, long Line, IReadOnlyList<string> FieldNames, IReadOnlyList<string> Values)
{
    /// <summary>The file's <c>#Log-type:</c> header, e.g. "SMTP Receive Protocol Log"; null when it has none.</summary>
    public string? LogType { get; init; }

    public string? this[string field]
    {
        get
        {
            for (var i = 0; i < FieldNames.Count; i++)
            {
                if (FieldNames[i].Equals(field, StringComparison.OrdinalIgnoreCase))
                {
                    return i < Values.Count ? Values[i] : null;
                }
            }

            return null;
        }
    }
}

/// <summary>
/// Streams the rows of Exchange's W3C-style CSV logs (protocol and message-tracking): <c>#</c> header
/// lines, a <c>#Fields:</c> line naming the columns, then RFC 4180 rows (quoted values may hold commas
/// and doubled quotes). One line at a time, so memory does not grow with the file. A line whose quoting
/// is broken is counted in <see cref="Malformed"/> with its file:line, never fatal.
/// </summary>
public sealed class ExchangeLogReader
{
    private long finishedFilesBytes;

    public List<string> Malformed { get; } = [];

    /// <summary>Told the bytes read so far over every file this reader has read, every few thousand lines.</summary>
    public IProgress<long>? BytesRead { get; init; }

    /// <summary>The files of a log folder (any depth), oldest name first, <c>.LOG</c> or <c>.log</c>.</summary>
    public static IEnumerable<string> Files(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".log", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
            : [];

    public IEnumerable<LogRow> Read(string file)
    {
        IReadOnlyList<string> fields = [];
        string? logType = null;
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        long number = 0;
        while (reader.ReadLine() is { } line)
        {
            if (++number % 4096 == 0)
            {
                BytesRead?.Report(finishedFilesBytes + stream.Position);
            }

            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] == '#')
            {
                if (line.StartsWith("#Fields:", StringComparison.Ordinal))
                {
                    fields = line["#Fields:".Length..].Trim().Split(',');
                }
                else if (line.StartsWith("#Log-type:", StringComparison.Ordinal))
                {
                    logType = line["#Log-type:".Length..].Trim();
                }

                continue;
            }

            if (TrySplit(line, out var values))
            {
                yield return new LogRow(file, number, fields, values) { LogType = logType };
            }
            else
            {
                Malformed.Add($"{file}:{number}");
            }
        }

        finishedFilesBytes += stream.Length;
        BytesRead?.Report(finishedFilesBytes);
    }

    /// <summary>RFC 4180 fields of one line; false when a quote is left open.</summary>
    public static bool TrySplit(string line, out List<string> values)
    {
        ArgumentNullException.ThrowIfNull(line);
        values = [];
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"' && current.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                values.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        values.Add(current.ToString());
        return !quoted;
    }
}
