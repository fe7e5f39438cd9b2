using System.CommandLine;
using System.Globalization;

namespace MailFlow.Cli.Commands;

/// <summary>
/// Date options (<c>track --start/--end</c>) read the forms Get-MessageTrackingLog -Start takes on an
/// en-US Exchange server: ISO 8601 and US month/day/year, with an optional time. Parsed with fixed
/// formats rather than the host's culture, so 03/12/2026 means the same on every machine.
/// </summary>
internal static class DateOption
{
    /// <summary>What the refusal names, so the user sees every accepted form.</summary>
    public const string AcceptedForms = "2026-03-12, 2026-03-12T14:30[:00][Z|+01:00], 2026-03-12 14:30[:00], 03/12/2026 [14:30[:00]] or 03/12/2026 2:30[:00] PM (US month/day/year); UTC unless a zone is given";

    private static readonly string[] Formats =
    [
        "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mmK", "yyyy-MM-dd HH:mm:ssK",
        "M/d/yyyy", "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss", "M/d/yyyy h:mm tt", "M/d/yyyy h:mm:ss tt",
    ];

    public static Option<DateTime?> Create(string name, string alias, string description) => new(name, alias)
    {
        Description = $"{description}: {AcceptedForms}",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (TryParse(text, out var value))
            {
                return value;
            }

            result.AddError($"{name} '{text}' is not a date; use {AcceptedForms}");
            return null;
        },
    };

    private static bool TryParse(string text, out DateTime utc) =>
        DateTime.TryParseExact(text.Trim(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out utc);
}
