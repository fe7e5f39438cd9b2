using System.Globalization;

namespace MailFlow.Smtp.Protocol;

/// <summary>The parts of <c>MAIL FROM:&lt;path&gt; params</c> and <c>RCPT TO:&lt;path&gt; params</c>.</summary>
public sealed record PathArgument(string Address, IReadOnlyDictionary<string, string?> Parameters)
{
    /// <summary>The path had an RFC 5321 source route (<c>&lt;@a,@b:user@c&gt;</c>), removed from <see cref="Address"/>.</summary>
    public bool HadSourceRoute { get; init; }

    public string? Domain => Address.LastIndexOf('@') is var at and > 0 ? Address[(at + 1)..] : null;

    public string LocalPart => Address.LastIndexOf('@') is var at and > 0 ? Address[..at] : Address;
}

public enum PathError
{
    None,
    Syntax,
    NonAscii,
}

/// <summary>
/// Parses the reverse and forward paths (RFC 5321 §4.1.2): angle brackets required, source routes
/// (<c>&lt;@a,@b:user@c&gt;</c>) removed and flagged (§C), quoted local parts kept literally, one
/// unquoted <c>@</c> only, parameters as <c>KEYWORD[=value]</c>.
/// </summary>
public static class PathParser
{
    private static readonly System.Buffers.SearchValues<char> LocalPartSpecials = System.Buffers.SearchValues.Create("()<>,;:\\[]\"");

    public static PathError TryParse(string argument, string prefix, bool allowNullPath, bool smtpUtf8Allowed, out PathArgument? path)
    {
        ArgumentNullException.ThrowIfNull(argument);
        ArgumentNullException.ThrowIfNull(prefix);
        path = null;
        if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return PathError.Syntax;
        }

        var rest = argument.AsSpan(prefix.Length).TrimStart(' ');
        if (rest.Length == 0 || rest[0] != '<')
        {
            return PathError.Syntax;
        }

        var close = ClosingBracket(rest);
        if (close < 0)
        {
            return PathError.Syntax;
        }

        var inner = rest[1..close].ToString();
        var parameters = rest[(close + 1)..].ToString();
        var sourceRoute = inner.StartsWith('@');
        if (sourceRoute)
        {
            var colon = inner.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return PathError.Syntax;
            }

            // RFC 5321 §4.1.2 and Appendix C: a server SHOULD ignore the route. MAIL FROM does; RCPT
            // refuses a route to an accepted domain (docs/decisions/0021).
            inner = inner[(colon + 1)..];
        }

        if (inner.Length == 0)
        {
            if (!allowNullPath)
            {
                return PathError.Syntax;
            }
        }
        else
        {
            var error = ValidateMailbox(inner, smtpUtf8Allowed);
            if (error != PathError.None)
            {
                return error;
            }
        }

        var parsed = ParseParameters(parameters);
        if (parsed is null)
        {
            return PathError.Syntax;
        }

        path = new PathArgument(inner, parsed) { HadSourceRoute = sourceRoute };
        return PathError.None;
    }

    /// <summary>local@domain with exactly one unquoted @, a dot-atom or quoted local part, and a host name or address literal.</summary>
    private static PathError ValidateMailbox(string mailbox, bool smtpUtf8Allowed)
    {
        if (mailbox.Length > 254 || mailbox.Any(char.IsControl) || mailbox.Contains(' ', StringComparison.Ordinal) && !mailbox.StartsWith('"'))
        {
            return PathError.Syntax;
        }

        if (!smtpUtf8Allowed && !mailbox.All(char.IsAscii))
        {
            return PathError.NonAscii;
        }

        int at;
        if (mailbox.StartsWith('"'))
        {
            var endQuote = mailbox.IndexOf('"', 1);
            if (endQuote < 0 || endQuote + 1 >= mailbox.Length || mailbox[endQuote + 1] != '@')
            {
                return PathError.Syntax;
            }

            at = endQuote + 1;
        }
        else
        {
            at = mailbox.IndexOf('@', StringComparison.Ordinal);
            if (at <= 0 || mailbox.IndexOf('@', at + 1) >= 0)
            {
                return PathError.Syntax; // <u@victim.test@ourdomain.test> and friends
            }

            var local = mailbox.AsSpan(0, at);
            if (local.StartsWith(".") || local.EndsWith(".") || local.Contains("..", StringComparison.Ordinal) || local.IndexOfAny(LocalPartSpecials) >= 0)
            {
                return PathError.Syntax;
            }
        }

        var domain = mailbox[(at + 1)..];
        if (domain.Length == 0)
        {
            return PathError.Syntax;
        }

        if (domain.StartsWith('['))
        {
            return domain.EndsWith(']') ? PathError.None : PathError.Syntax;
        }

        var labels = domain.TrimEnd('.').Split('.');
        return labels.All(l => l.Length is > 0 and <= 63 && l.All(c => char.IsLetterOrDigit(c) || c == '-' || c > 127) && l[0] != '-' && l[^1] != '-')
            ? PathError.None
            : PathError.Syntax;
    }

    private static int ClosingBracket(ReadOnlySpan<char> text)
    {
        var quoted = false;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == '"' && text[i - 1] != '\\')
            {
                quoted = !quoted;
            }
            else if (text[i] == '>' && !quoted)
            {
                return i;
            }
        }

        return -1;
    }

    private static Dictionary<string, string?>? ParseParameters(string text)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals];
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || !result.TryAdd(key, equals < 0 ? null : part[(equals + 1)..]))
            {
                return null;
            }
        }

        return result;
    }

    public static bool TryParseSize(string? value, out long size) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size);
}
