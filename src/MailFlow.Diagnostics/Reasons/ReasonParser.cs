using System.Text;
using System.Text.RegularExpressions;

namespace MailFlow.Diagnostics.Reasons;

/// <summary>
/// Parses Exchange deferral and NDR reasons in every published shape (exchange-semantics.md §5): the
/// Exchange Online brace list, the newer bracket groups, on-premises queue LastError (LRT first,
/// localised labels), wrappers that carry the next hop's reply, bare SMTP replies and event texts.
/// Tolerant by design: text cut off anywhere, redacted values and unknown pieces are reported, never
/// fatal; the parser never throws on any input.
/// </summary>
public static partial class ReasonParser
{
    private const int MaxInput = 64 * 1024;
    private const int MaxNesting = 4;

    public static ParsedReason Parse(string? text) => Parse(text ?? string.Empty, 0);

    private static ParsedReason Parse(string text, int depth)
    {
        var input = text.Length > MaxInput ? text[..MaxInput] : text;
        var clean = Normalize(input);
        if (clean.Length == 0)
        {
            return new ParsedReason { Input = input, Unparsed = ["(empty)"] };
        }

        var items = ReadItems(clean, out var truncatedItems, out var itemsEnd);
        if (items.Count > 0)
        {
            return FromItems(input, clean, items, truncatedItems, itemsEnd, depth);
        }

        return FromReply(input, clean, depth);
    }

    /// <summary>Strips labels ("Reason:", "LastError :"), markdown escapes and NDR hashes that publications add.</summary>
    private static string Normalize(string text)
    {
        var value = text.Replace("\\<", "<", StringComparison.Ordinal).Replace("`", string.Empty, StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Trim();
        value = LeadingLabel().Replace(value, string.Empty).Trim();
        return value.Trim('#', ' ', '"');
    }

    /// <summary>The <c>{Label=value}</c> (or localised <c>&lt;label-value&gt;</c>) items of a brace list, in order.</summary>
    private static List<(string Label, string Value)> ReadItems(string text, out bool truncated, out int end)
    {
        var items = new List<(string, string)>();
        truncated = false;
        end = 0;
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOfAny(['{', '<'], i);
            if (open < 0)
            {
                break;
            }

            var close = text[open] == '{' ? '}' : '>';
            var labelMatch = ItemLabel().Match(text, open + 1);
            if (!labelMatch.Success || labelMatch.Index != open + 1)
            {
                i = open + 1;
                continue;
            }

            var valueStart = labelMatch.Index + labelMatch.Length;
            var valueEnd = MatchingClose(text, valueStart, text[open], close);
            if (valueEnd < 0)
            {
                truncated = true;
                items.Add((labelMatch.Groups[1].Value.ToUpperInvariant(), text[valueStart..].TrimEnd(']', ' ', '.')));
                end = text.Length;
                break;
            }

            items.Add((labelMatch.Groups[1].Value.ToUpperInvariant(), text[valueStart..valueEnd].Trim()));
            i = end = valueEnd + 1;
        }

        return items;
    }

    /// <summary>The index of the brace that closes the item, skipping nested [..], (..) and quotes; -1 when the text ends first.</summary>
    private static int MatchingClose(string text, int from, char open, char close)
    {
        var depth = 0;
        var quote = '\0';
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '\'' && i > 0 && text[i - 1] == ' ')
            {
                quote = c;
            }
            else if (c == '[' || c == open)
            {
                depth++;
            }
            else if (c == ']' && depth > 0)
            {
                depth--;
            }
            else if (c == close && depth == 0)
            {
                return i;
            }
            else if (c == close)
            {
                depth--;
            }
        }

        return -1;
    }

    private static ParsedReason FromItems(string input, string clean, List<(string Label, string Value)> items, bool truncated, int itemsEnd, int depth)
    {
        string? Item(params string[] labels) => items.FirstOrDefault(i => labels.Contains(i.Label)).Value;
        var led = Item("LED");
        var reply = led is null ? null : FromReply(led, Normalize(led), depth);
        var redacted = new List<string>();
        var ip = Redaction(Item("IP"), "IP", redacted);
        var fqdn = Redaction(Item("FQDN"), "FQDN", redacted);
        var trailer = clean[Math.Min(itemsEnd, clean.Length)..];
        var proxyIp = Redaction(TrailerValue(trailer, "OutboundProxyTargetIP"), "OutboundProxyTargetIP", redacted);
        var proxyHost = TrailerValue(trailer, "OutboundProxyTargetHostName");
        var unknown = items.Where(i => i.Label is not ("LED" or "MSG" or "FQDN" or "IP" or "LRT" or "LRI")).Select(i => $"{{{i.Label}={i.Value}}}").ToList();
        var onPremises = items[0].Label is "LRT" or "LRI";
        var parsed = (reply ?? new ParsedReason { Input = input }) with
        {
            Input = input,
            Format = onPremises ? ReasonFormat.OnPremisesQueue : ReasonFormat.ExchangeOnlineBrace,
            Token = Empty(Item("MSG")) ?? reply?.Token,
            TargetHost = Empty(fqdn) ?? reply?.TargetHost ?? Empty(proxyHost),
            TargetAddress = Empty(ip) ?? reply?.TargetAddress ?? Empty(proxyIp),
            LastRetryTime = Empty(Item("LRT", "LRI")),
            OutboundProxyTargetIP = Empty(proxyIp),
            OutboundProxyTargetHostName = Empty(proxyHost),
            Truncated = truncated || (reply?.Truncated ?? false),
            Redacted = [.. redacted, .. reply?.Redacted ?? []],
            Unparsed = [.. unknown, .. reply?.Unparsed ?? []],
        };
        return parsed;
    }

    /// <summary>A reply: optional code, enhanced code, text, then bracket groups and any nested reply.</summary>
    private static ParsedReason FromReply(string input, string text, int depth)
    {
        var match = ReplyStart().Match(text);
        int? code = match.Groups["code"].Success ? int.Parse(match.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
        var enhanced = match.Groups["enhanced"].Success ? match.Groups["enhanced"].Value : null;
        var rest = match.Success ? text[match.Length..] : text;
        var groups = BracketGroups(rest, out var body, out var truncated);
        var redacted = new List<string>();
        var unparsed = new List<string>();
        string? token = null, expected = null, presented = null, thumbprint = null, host = null, address = null, security = null, server = null;
        ParsedReason? nested = null;
        foreach (var group in groups)
        {
            var equals = group.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 && !group[..equals].Contains(' ', StringComparison.Ordinal) ? group[..equals] : null;
            var value = key is null ? group : group[(equals + 1)..].Trim();
            switch (key?.ToUpperInvariant())
            {
                case "MESSAGE":
                    if (ReplyStart().Match(value) is { Success: true, Groups: var g } && (g["code"].Success || g["enhanced"].Success) && depth < MaxNesting)
                    {
                        nested = Parse(value, depth + 1);
                    }
                    else
                    {
                        token = value.Split(' ', 2)[0].TrimEnd('.');
                        expected = Between(value, "Expected Subject:", ". Presented Subject:");
                        presented = Between(value, "Presented Subject:", ". Thumbprint:");
                        thumbprint = Between(value, "Thumbprint:", null)?.TrimEnd('.', ' ');
                    }

                    break;
                case "LASTATTEMPTEDSERVERNAME":
                    host = value;
                    break;
                case "LASTATTEMPTEDIP":
                    address = Redaction(value, "LastAttemptedIP", redacted);
                    break;
                case "SMTPSECURITY":
                    security = value;
                    break;
                case null when ServerGroup().IsMatch(value):
                    server = value;
                    break;
                default:
                    unparsed.Add($"[{group}]");
                    break;
            }
        }

        if (nested is null && depth < MaxNesting && EmbeddedReply().Match(body) is { Success: true } embedded)
        {
            nested = Parse(embedded.Groups["reply"].Value, depth + 1);
        }

        var tls = TlsError().Match(text);
        var format = code is null && enhanced is null ? ReasonFormat.EventText
            : groups.Any(g => g.StartsWith("LastAttempted", StringComparison.OrdinalIgnoreCase) || g.StartsWith("Message=", StringComparison.OrdinalIgnoreCase)) ? ReasonFormat.ExchangeOnlineBracket
            : ReasonFormat.SmtpReply;
        return new ParsedReason
        {
            Input = input,
            Format = format,
            SmtpCode = code,
            EnhancedCode = enhanced,
            Text = Empty(body.Trim().TrimEnd('.').Trim()),
            Token = token,
            ExpectedSubject = Empty(expected),
            PresentedSubject = Empty(presented),
            Thumbprint = Empty(thumbprint),
            TargetHost = Empty(host),
            TargetAddress = Empty(address),
            SmtpSecurity = security,
            ExchangeOnlineServer = server,
            Nested = nested,
            TlsError = tls.Success ? tls.Groups["error"].Value : nested?.TlsError,
            Truncated = truncated,
            Redacted = redacted,
            Unparsed = unparsed,
        };
    }

    /// <summary>Top-level [..] groups (nesting respected); the rest of the text is the body.</summary>
    private static List<string> BracketGroups(string text, out string body, out bool truncated)
    {
        var groups = new List<string>();
        var outside = new StringBuilder();
        truncated = false;
        var depth = 0;
        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '[')
            {
                if (depth++ == 0)
                {
                    start = i + 1;
                }
            }
            else if (c == ']' && depth > 0)
            {
                if (--depth == 0)
                {
                    groups.Add(text[start..i].Trim());
                }
            }
            else if (depth == 0)
            {
                outside.Append(c);
            }
        }

        if (depth > 0)
        {
            truncated = true;
            groups.Add(text[start..].Trim());
        }

        body = outside.ToString();
        return groups;
    }

    private static string? TrailerValue(string trailer, string name)
    {
        var at = trailer.IndexOf(name + ":", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var value = trailer[(at + name.Length + 1)..].TrimStart();
        var end = value.IndexOf(". ", StringComparison.Ordinal);
        return (end >= 0 ? value[..end] : value).TrimEnd('.', ' ');
    }

    private static string? Between(string text, string start, string? end)
    {
        var from = text.IndexOf(start, StringComparison.OrdinalIgnoreCase);
        if (from < 0)
        {
            return null;
        }

        from += start.Length;
        var to = end is null ? -1 : text.IndexOf(end, from, StringComparison.OrdinalIgnoreCase);
        return (to < 0 ? text[from..] : text[from..to]).Trim();
    }

    /// <summary>A value written as x/#/* runs is the publisher's redaction: recorded by name, treated as absent.</summary>
    private static string? Redaction(string? value, string name, List<string> redacted)
    {
        if (value is not null && value.Length > 0 && value.All(c => c is 'x' or 'X' or '#' or '*' or '.' or ':') && value.Any(c => c is 'x' or 'X' or '#' or '*'))
        {
            redacted.Add(name);
            return null;
        }

        return value;
    }

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex(@"^(Reason|LastError|Error|Diagnostic information for administrators|Remote Server returned)\s*:\s*", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingLabel();

    [GeneratedRegex(@"\G\s*\[?\s*(LED|MSG|FQDN|IP|LRT|LRI)\s*[=-]", RegexOptions.IgnoreCase)]
    private static partial Regex ItemLabel();

    [GeneratedRegex(@"^\s*(?<code>[245]\d\d)?[ -]?\s*(?<enhanced>[245]\.\d{1,3}\.\d{1,3})?(?=\s|$|[.;:,\]])")]
    private static partial Regex ReplyStart();

    [GeneratedRegex(@"(responded with:?\s*""(?<reply>[245]\d\d[^""]*)""?|->\s*(?<reply>[245]\d\d .*)|with\s*'(?<reply>[245]\d\d [^']*)'?)", RegexOptions.IgnoreCase)]
    private static partial Regex EmbeddedReply();

    [GeneratedRegex(@"(TLS negotiation failed with error|Security status)\s+(?<error>[A-Za-z]+)", RegexOptions.IgnoreCase)]
    private static partial Regex TlsError();

    [GeneratedRegex(@"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}\s+\d{4}-\d\d-\d\dT")]
    private static partial Regex ServerGroup();
}
