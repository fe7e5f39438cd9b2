using System.Globalization;

namespace MailFlow.Certificates.Names;

/// <summary>Normalisation of DNS names for comparison: A-labels, lower case, no trailing dot.</summary>
public static class DnsNames
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>
    /// Converts a reference name (what we expect, typed by an admin or taken from a recipient
    /// domain) to its comparable form. U-labels become A-labels (RFC 5890), so <c>münchen.example</c>
    /// compares equal to <c>xn--mnchen-3ya.example</c>.
    /// </summary>
    public static bool TryNormalizeReference(string? name, out string normalized, out string? error)
    {
        normalized = string.Empty;
        error = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            error = "the name is empty";
            return false;
        }

        var trimmed = name.Trim();
        if (trimmed.EndsWith('.'))
        {
            trimmed = trimmed[..^1];
        }

        if (trimmed.Length == 0 || trimmed.Contains(".."))
        {
            error = $"\"{name}\" has an empty label";
            return false;
        }

        try
        {
            normalized = Idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = $"\"{name}\" is not a valid host name";
            return false;
        }

        if (normalized.Length > 253)
        {
            error = $"\"{name}\" is longer than 253 characters";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Normalises a name found in a certificate. Certificates must carry A-labels; a non-ASCII
    /// name is malformed and is kept as-is so that it can never match (RFC 9525 §6.3).
    /// </summary>
    public static string NormalizePresented(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var value = name.EndsWith('.') ? name[..^1] : name;
        return value.All(char.IsAscii) ? value.ToLowerInvariant() : value;
    }

    public static int CountLabels(string name) => name.Count(c => c == '.') + 1;
}
