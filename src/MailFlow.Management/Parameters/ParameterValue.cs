using System.Globalization;
using System.Text.RegularExpressions;
using MailFlow.Core.Errors;

namespace MailFlow.Management.Parameters;

/// <summary>
/// Parses parameter values the way the Exchange Management Shell accepts them, so that what an admin
/// types for Set-ReceiveConnector works on the mailflow command line too:
/// <c>$true</c>/<c>$false</c>, <c>$null</c>, <c>36MB</c> / <c>"36 MB (37,748,736 bytes)"</c>, <c>00:10:00</c>,
/// <c>"Tls, BasicAuth"</c> and comma-separated lists.
/// </summary>
public static partial class ParameterValue
{
    /// <summary><c>$null</c> or the empty string.</summary>
    public static bool IsNull(string? text) => text is null || text.Trim().Length == 0 || text.Trim().Equals("$null", StringComparison.OrdinalIgnoreCase);

    public static bool ParseBool(string parameter, string text) => text.Trim().ToLowerInvariant() switch
    {
        "$true" or "true" or "1" or "yes" => true,
        "$false" or "false" or "0" or "no" => false,
        _ => throw Invalid(parameter, text, "$true or $false"),
    };

    public static int ParseInt(string parameter, string text) =>
        int.TryParse(text.Trim().Replace(",", string.Empty, StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid(parameter, text, "a whole number");

    /// <summary>Exchange ByteQuantifiedSize: <c>37748736</c>, <c>36MB</c>, <c>36 MB</c>, <c>"36 MB (37,748,736 bytes)"</c>, units B/KB/MB/GB/TB (binary).</summary>
    public static long ParseByteSize(string parameter, string text)
    {
        var match = ByteSize().Match(text.Trim());
        if (!match.Success)
        {
            throw Invalid(parameter, text, "a size such as 36MB or 37748736");
        }

        if (match.Groups["bytes"].Success)
        {
            return long.Parse(match.Groups["bytes"].Value.Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
        }

        var number = decimal.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var multiplier = match.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1L,
            "KB" => 1024L,
            "MB" => 1024L * 1024,
            "GB" => 1024L * 1024 * 1024,
            "TB" => 1024L * 1024 * 1024 * 1024,
            _ => throw Invalid(parameter, text, "a unit of B, KB, MB, GB or TB"),
        };
        return (long)(number * multiplier);
    }

    /// <summary>Exchange's rendering: <c>36 MB (37,748,736 bytes)</c>.</summary>
    public static string FormatByteSize(long bytes)
    {
        var (value, unit) = bytes switch
        {
            >= 1L << 40 => (bytes / (double)(1L << 40), "TB"),
            >= 1L << 30 => (bytes / (double)(1L << 30), "GB"),
            >= 1L << 20 => (bytes / (double)(1L << 20), "MB"),
            >= 1L << 10 => (bytes / (double)(1L << 10), "KB"),
            _ => (bytes, "B"),
        };
        return string.Create(CultureInfo.InvariantCulture, $"{value:0.###} {unit} ({bytes:N0} bytes)");
    }

    public static TimeSpan ParseTimeSpan(string parameter, string text) =>
        TimeSpan.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero
            ? value
            : throw Invalid(parameter, text, "a duration such as 00:10:00 or 2.00:00:00");

    /// <summary>Takes the enum's type, not a type parameter: the caller has a property's type, and closing a generic method over it at run time is not possible under Native AOT.</summary>
    public static object ParseEnum(Type enumType, string parameter, string text)
    {
        ArgumentNullException.ThrowIfNull(enumType);
        var normalized = string.Join(", ", Split(text));
        if (normalized.Length > 0 && !normalized.Split(", ").Any(p => int.TryParse(p, out _)) && Enum.TryParse(enumType, normalized, ignoreCase: true, out var value))
        {
            return value;
        }

        throw Invalid(parameter, text, $"one{(enumType.IsDefined(typeof(FlagsAttribute), false) ? " or more" : string.Empty)} of {string.Join(", ", Enum.GetNames(enumType))}");
    }

    /// <summary>A multi-valued parameter: <c>"a,b"</c>, <c>"a, b"</c> or <c>@("a","b")</c>.</summary>
    public static List<string> ParseList(string text)
    {
        var value = text.Trim();
        if (value.StartsWith("@(", StringComparison.Ordinal) && value.EndsWith(')'))
        {
            value = value[2..^1];
        }

        return Split(value).Select(v => v.Trim('"', '\'')).Where(v => v.Length > 0).ToList();
    }

    private static string[] Split(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static MailFlowException Invalid(string parameter, string text, string expected) =>
        new($"-{parameter} \"{text}\" is not valid: expected {expected}", MailFlowErrorKind.InvalidArgument);

    [GeneratedRegex(@"^(?:(?<n>\d+(?:\.\d+)?)\s*(?<unit>[KMGT]?B)?\s*(?:\((?<bytes>[\d,]+)\s*bytes\))?|(?<bytes>[\d,]+))$", RegexOptions.IgnoreCase)]
    private static partial Regex ByteSize();
}
