using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Dumps;

/// <summary>One object of a Format-List dump: property → value, each with the line it came from.</summary>
public sealed class DumpedObject
{
    public Dictionary<string, (string Value, SourceLine Source)> Properties { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string? this[string property] => Properties.TryGetValue(property, out var p) && p.Value.Length > 0 ? p.Value : null;

    public SourceLine? SourceOf(string property) => Properties.TryGetValue(property, out var p) ? p.Source : null;

    /// <summary>A multi-valued property as PowerShell prints it, <c>{a, b}</c>, split into its values.</summary>
    public IReadOnlyList<string> List(string property) =>
        this[property] is { } value ? value.Trim('{', '}').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
}

/// <summary>
/// Reads <c>Get-… | fl</c> output as PowerShell writes it: objects separated by blank lines,
/// <c>Name : value</c> lines, and long values wrapped onto lines indented past the colon. Lines it cannot
/// read are listed with file:line, never fatal.
/// </summary>
public static class FormatListReader
{
    public static IReadOnlyList<DumpedObject> Read(string file, List<string>? malformed = null)
    {
        var objects = new List<DumpedObject>();
        DumpedObject? current = null;
        string? last = null;
        var number = 0;
        foreach (var raw in File.ReadLines(file))
        {
            number++;
            var line = raw.TrimEnd();
            if (line.Trim().Length == 0)
            {
                current = null;
                last = null;
                continue;
            }

            var colon = line.IndexOf(" : ", StringComparison.Ordinal);
            var bare = colon < 0 && line.TrimEnd().EndsWith(" :", StringComparison.Ordinal) ? line.TrimEnd().Length - 2 : -1;
            if (char.IsWhiteSpace(line[0]) && last is not null && current is not null)
            {
                var (value, source) = current.Properties[last];
                current.Properties[last] = (value + (value.EndsWith(',') ? " " : string.Empty) + line.Trim(), source); // wrapped continuation
                continue;
            }

            var split = colon >= 0 ? colon : bare;
            if (split <= 0)
            {
                malformed?.Add($"{file}:{number}");
                continue;
            }

            current ??= Add(objects);
            last = line[..split].Trim();
            var text = colon >= 0 ? line[(colon + 3)..].Trim() : string.Empty;
            if (current.Properties.ContainsKey(last))
            {
                current = Add(objects); // the same property again: a new object without a blank line between
            }

            current.Properties[last] = (text, new SourceLine(file, number, raw));
        }

        return objects;
    }

    private static DumpedObject Add(List<DumpedObject> objects)
    {
        var created = new DumpedObject();
        objects.Add(created);
        return created;
    }
}
