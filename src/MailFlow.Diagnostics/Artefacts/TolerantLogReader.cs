using System.Text;
using System.Text.RegularExpressions;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Artefacts;

/// <summary>
/// What the tolerant reader made of a pasted log: the rows (with the file's original line numbers), every
/// repair it made in words, and every line it could not read. <see cref="LogType"/> is the header's, or the
/// type the rows' shape implies when the paste has none.
/// </summary>
public sealed record TolerantLog(string File, IReadOnlyList<LogRow> Rows, IReadOnlyList<string> Repairs, IReadOnlyList<string> Unreadable)
{
    public string? LogType { get; init; }

    /// <summary>The field set came from the rows' shape, not from a <c>#Fields</c> line.</summary>
    public bool FieldsInferred { get; init; }
}

/// <summary>
/// Reads Exchange CSV logs as admins paste them from blogs and mail, for <c>mailflow diagnose</c> only
/// (the strict <see cref="ExchangeLogReader"/> stays the fast path for <c>mailflow logs</c>). It rejoins a
/// row wrapped over up to <see cref="MaxLinesPerRow"/> lines, splits rows whose line breaks were lost,
/// infers the field set from the row shape when <c>#Fields</c> is missing, drops a trailing comma, pads
/// missing fields and rejoins commas a paste left unquoted. Each repair is said in words; a line it cannot
/// place is listed as "file:line: not a log row: …". Lines are streamed; at most <see cref="MaxRows"/> rows
/// and <see cref="MaxNotes"/> notes are kept, so a huge file cannot exhaust memory.
/// </summary>
public static partial class TolerantLogReader
{
    public const int MaxRows = 100_000;
    public const int MaxNotes = 500;
    public const int MaxLinesPerRow = 4;
    private const int MaxQuoted = 80;

    public static TolerantLog Read(string file)
    {
        try
        {
            return Read(file, File.ReadLines(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            return new TolerantLog(file, [], [], [$"{file}: cannot be read: {e.Message}"]);
        }
    }

    /// <summary>Reads <paramref name="lines"/> as the content of <paramref name="file"/> (the name goes into every row and note).</summary>
    public static TolerantLog Read(string file, IEnumerable<string> lines) => new Session(file).Run(lines);

    /// <summary>The state of one read: the header seen, the row being assembled, and what was kept.</summary>
    private sealed class Session(string file)
    {
        private readonly List<LogRow> rows = [];
        private readonly List<string> repairs = [];
        private readonly List<string> unreadable = [];
        private IReadOnlyList<string>? fields;
        private string? logType;
        private bool inferred;
        private long inferredAt;
        private string? inferredDescription;
        private long droppedRows;
        private long droppedNotes;

        // The row being assembled: its text so far, the line it started on and how many lines it spans.
        private StringBuilder? pending;
        private long pendingLine;
        private int pendingLines;

        public TolerantLog Run(IEnumerable<string> lines)
        {
            long number = 0;
            foreach (var raw in lines)
            {
                number++;
                var line = (number == 1 ? raw.TrimStart('\uFEFF') : raw).TrimEnd('\r');
                if (line.Trim().Length == 0)
                {
                    Flush();
                    continue;
                }

                if (line[0] == '#')
                {
                    Flush();
                    Header(line);
                    continue;
                }

                Take(line, number);
            }

            Flush();
            return Finish();
        }

        private void Header(string line)
        {
            if (line.StartsWith("#Fields:", StringComparison.OrdinalIgnoreCase))
            {
                fields = line["#Fields:".Length..].Trim().Split(',').Select(f => f.Trim()).ToArray();
                inferred = false;
            }
            else if (line.StartsWith("#Log-type:", StringComparison.OrdinalIgnoreCase))
            {
                logType = line["#Log-type:".Length..].Trim();
            }
        }

        /// <summary>One physical line: split where rows run together, and rejoin a fragment with the row it continues.</summary>
        private void Take(string line, long number)
        {
            var starts = pending is not null && OpenQuote(pending.ToString()) ? [] : RowStarts(line);
            var firstStart = starts.Count > 0 ? starts[0] : line.Length;
            if (firstStart > 0)
            {
                Continue(line[..firstStart].TrimEnd(), number);
            }

            if (starts.Count > 1)
            {
                Note(repairs, $"line {number}: {starts.Count} rows run together, split into {starts.Count}");
            }

            for (var i = 0; i < starts.Count; i++)
            {
                Flush();
                var end = i + 1 < starts.Count ? starts[i + 1] : line.Length;
                pending = new StringBuilder(line[starts[i]..end].TrimEnd());
                pendingLine = number;
                pendingLines = 1;
            }
        }

        /// <summary>A piece of line that starts no row: the rest of a wrapped row, or something that is no log row at all.</summary>
        private void Continue(string fragment, long number)
        {
            if (fragment.Length == 0)
            {
                return;
            }

            if (pending is null || pendingLines >= MaxLinesPerRow || !Incomplete(pending.ToString()))
            {
                Note(unreadable, $"{file}:{number}: not a log row: '{Quote(fragment)}'");
                return;
            }

            // A viewer wraps at a space; a break right after a separator lost nothing.
            var text = pending.ToString();
            var glue = text.EndsWith(',') || fragment.StartsWith(',') ? string.Empty : " ";
            pending.Append(glue).Append(fragment.Trim());
            pendingLines++;
            Note(repairs, $"line {pendingLine} rejoined with line {number}");
        }

        /// <summary>A row still waiting for its next line: a quote left open, or fewer fields than its field set has.</summary>
        private bool Incomplete(string text)
        {
            if (OpenQuote(text))
            {
                return true;
            }

            ExchangeLogReader.TrySplit(text, out var values);
            var expected = fields?.Count ?? LogShapes.Infer(values)?.Fields.Count ?? 9;
            return values.Count < expected;
        }

        private void Flush()
        {
            if (pending is null)
            {
                return;
            }

            var text = pending.ToString();
            var line = pendingLine;
            pending = null;
            if (OpenQuote(text))
            {
                Note(repairs, $"line {line}: a quote was left open; closed at the end of the row");
                text += "\"";
            }

            ExchangeLogReader.TrySplit(text, out var values);
            if (fields is null || inferred)
            {
                if (LogShapes.Infer(values) is not { } shape)
                {
                    Note(unreadable, $"{file}:{line}: not a log row: '{Quote(text)}'");
                    return;
                }

                if (fields is null)
                {
                    fields = shape.Fields;
                    logType ??= shape.LogType;
                    inferred = true;
                    inferredAt = line;
                    inferredDescription = shape.Description;
                }
            }

            if (inferred && logType is null && LogShapes.ProtocolDirection(values) is { } direction)
            {
                logType = direction;
            }

            Keep(new LogRow(file, line, fields, Fit(values, line)) { LogType = logType });
        }

        /// <summary>Makes the values match the field count, saying each change.</summary>
        private List<string> Fit(List<string> values, long line)
        {
            var expected = fields!.Count;
            if (values.Count == expected + 1 && values[^1].Length == 0)
            {
                values.RemoveAt(values.Count - 1);
                Note(repairs, $"line {line}: trailing comma dropped");
            }

            var data = IndexOf("data");
            var kind = IndexOf("event");
            if (values.Count > expected && data >= 0 && kind >= 0 && IndexOf("context") == data + 1 && data + 1 == expected - 1)
            {
                // A paste that lost Exchange's quotes: the commas belong to data, or to context for a '*' line whose data is empty.
                var surplus = values.Count - expected;
                var into = values[kind].Trim() == "*" && values[data].Length == 0 ? data + 1 : data;
                var merged = string.Join(",", values.Skip(into).Take(surplus + 1));
                values.RemoveRange(into, surplus + 1);
                values.Insert(into, merged);
                Note(repairs, $"line {line}: {expected + surplus} fields for {expected}; the commas inside {fields[into]} rejoined");
            }
            else if (values.Count > expected)
            {
                Note(repairs, $"line {line}: {values.Count} fields for {expected}; the extra ones kept at the end");
            }

            if (values.Count < expected)
            {
                Note(repairs, $"line {line}: {values.Count} of {expected} fields; the missing ones read as empty");
                values.AddRange(Enumerable.Repeat(string.Empty, expected - values.Count));
            }

            return values;
        }

        private int IndexOf(string field)
        {
            for (var i = 0; i < fields!.Count; i++)
            {
                if (fields[i].Equals(field, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            return -1;
        }

        private void Keep(LogRow row)
        {
            if (rows.Count < MaxRows)
            {
                rows.Add(row);
            }
            else
            {
                droppedRows++;
            }
        }

        private void Note(List<string> notes, string note)
        {
            if (notes.Count < MaxNotes)
            {
                notes.Add(note);
            }
            else
            {
                droppedNotes++;
            }
        }

        private TolerantLog Finish()
        {
            var kept = rows;
            if (inferred)
            {
                var type = logType switch
                {
                    null => "protocol-log fields (SmtpReceive or SmtpSend: no row said which)",
                    _ when logType.Contains("Send", StringComparison.OrdinalIgnoreCase) && inferredDescription!.StartsWith("protocol", StringComparison.Ordinal) => "SmtpSend protocol-log fields",
                    _ when logType.Contains("Receive", StringComparison.OrdinalIgnoreCase) && inferredDescription!.StartsWith("protocol", StringComparison.Ordinal) => "SmtpReceive protocol-log fields",
                    _ => inferredDescription!,
                };
                repairs.Insert(0, $"line {inferredAt}: no #Fields header; read as {type}");

                // The direction may be told only by a later row; the rows before it get the same type.
                kept = rows.Select(r => r.LogType is null && logType is not null ? r with { LogType = logType } : r).ToList();
            }

            if (droppedRows > 0)
            {
                repairs.Add($"{droppedRows} rows past the first {MaxRows} were not kept");
            }

            if (droppedNotes > 0)
            {
                repairs.Add($"{droppedNotes} more notes not kept");
            }

            return new TolerantLog(file, kept, repairs, unreadable) { LogType = logType, FieldsInferred = inferred };
        }
    }

    /// <summary>Where rows start in a line: an ISO time and a comma, at the line's start or after a comma or space, outside quotes.</summary>
    private static List<int> RowStarts(string line)
    {
        var starts = new List<int>();
        foreach (Match match in RowStart().Matches(line))
        {
            if (line.AsSpan(0, match.Index).Count('"') % 2 == 0)
            {
                starts.Add(match.Index);
            }
        }

        return starts;
    }

    private static bool OpenQuote(string text) => !ExchangeLogReader.TrySplit(text, out _);

    private static string Quote(string text) => text.Length <= MaxQuoted ? text : text[..MaxQuoted] + "…";

    [GeneratedRegex(@"(?<=^|[,\s])\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z,")]
    private static partial Regex RowStart();
}
