using System.Text.RegularExpressions;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Context;

/// <summary>
/// Reason-like statements inside free text an admin pastes: a queue dump's LastError (wrapped by
/// Format-List onto indented lines), an event description, an NDR's diagnostic line. Each statement is
/// one logical line — a line carrying a status code or a known failure phrase, with the indented lines
/// that continue it — and keeps the line it started on.
/// </summary>
public static partial class Statements
{
    /// <summary>At most this many statements per file: a pasted log is not a list of reasons.</summary>
    private const int MaxPerFile = 64;

    public static IReadOnlyList<(string Text, SourceLine Source)> Read(string file)
    {
        var found = new List<(string, SourceLine)>();
        string? current = null;
        SourceLine? start = null;
        var number = 0L;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            if (current is not null && line.Length > 0 && char.IsWhiteSpace(line[0]) && line.Trim().Length > 0 && !Telling().IsMatch(line))
            {
                current += " " + line.Trim(); // Format-List wraps long values onto lines indented past the colon
                continue;
            }

            if (current is not null)
            {
                found.Add((current, start!));
                current = null;
            }

            if (found.Count < MaxPerFile && Telling().IsMatch(line))
            {
                current = line.Trim();
                start = new SourceLine(file, number, line);
            }
        }

        if (current is not null)
        {
            found.Add((current, start!));
        }

        return found;
    }

    /// <summary>Whether a text carries a status code or a failure phrase, the test a statement passes.</summary>
    public static bool IsTelling(string text) => Telling().IsMatch(text ?? string.Empty);

    /// <summary>An enhanced status code, or a phrase that names a TLS or certificate failure without one.</summary>
    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b|TLS negotiation failed|Security status|could not find a certificate|SocketError|PRX5|Winsock error|Socket error code", RegexOptions.IgnoreCase)]
    private static partial Regex Telling();
}
