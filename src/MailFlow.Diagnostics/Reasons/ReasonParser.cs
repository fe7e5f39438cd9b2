using System.Text;
using System.Text.RegularExpressions;

namespace MailFlow.Diagnostics.Reasons;

/// <summary>
/// Parses Exchange deferral and NDR reasons in every published shape (exchange-semantics.md §5): the
/// Exchange Online brace list, the newer bracket groups, on-premises queue LastError (LRT first,
/// localised labels), wrappers that carry the next hop's reply, bare SMTP replies and event texts.
/// Tolerant by design: text cut off anywhere, redacted values and unknown pieces are reported, never
/// fatal; the parser never throws on any input. A value that was cut off, or that ran into the next
/// field's label, is listed in <see cref="ParsedReason.Unreadable"/> and kept out of its typed field.
/// </summary>
public static partial class ReasonParser
{
    private const int MaxInput = 64 * 1024;
    private const int MaxNesting = 4;
    private const int MaxQuoted = 60;

    /// <summary>
    /// Labels that start a field. A field value holding one of them has swallowed its neighbour
    /// (a publication lost a brace or bracket), so it is cut there.
    /// </summary>
    private static readonly string[] FieldLabels =
    [
        "OutboundProxyTargetIP", "OutboundProxyTargetHostName", "LastAttemptedServerName", "LastAttemptedIP", "SmtpSecurity=",
        "Message=", "Expected Subject:", "Presented Subject:", "Thumbprint:", "LED=", "MSG=", "FQDN=", "LRT=", "LRI=", "{IP=", ";IP=",
    ];

    public static ParsedReason Parse(string? text) => Parse(text ?? string.Empty, 0);

    private static ParsedReason Parse(string text, int depth)
    {
        var input = text.Length > MaxInput ? text[..MaxInput] : text;
        var clean = Normalize(input);
        if (clean.Length == 0)
        {
            return new ParsedReason { Input = input, Unparsed = ["(empty)"] };
        }

        var items = ReadItems(clean, out var itemsEnd);
        if (items.Count > 0)
        {
            return FromItems(input, clean, items, itemsEnd, depth);
        }

        return FromReply(input, clean, depth);
    }

    /// <summary>
    /// Undoes what publication does to a reason: labels ("Reason:", "LastError :"), markdown escapes,
    /// HTML line breaks and entities from tables, typographic quotes from word processors and forums,
    /// NDR hashes, and line breaks or runs of spaces where a page wrapped the text.
    /// </summary>
    private static string Normalize(string text)
    {
        var value = HtmlBreak().Replace(text, " ")
            .Replace("&lt;", "<", StringComparison.OrdinalIgnoreCase).Replace("&gt;", ">", StringComparison.OrdinalIgnoreCase)
            .Replace("&quot;", "\"", StringComparison.OrdinalIgnoreCase).Replace("&amp;", "&", StringComparison.OrdinalIgnoreCase)
            .Replace('\u201C', '"').Replace('\u201D', '"').Replace('\u201E', '"').Replace('\u2018', '\'').Replace('\u2019', '\'')
            .Replace("\\<", "<", StringComparison.Ordinal).Replace("\\*", "*", StringComparison.Ordinal).Replace("\\_", "_", StringComparison.Ordinal)
            .Replace("`", string.Empty, StringComparison.Ordinal);
        value = Whitespace().Replace(value, " ").Trim();
        value = LeadingLabel().Replace(value, string.Empty).Trim();
        return value.Trim('#', ' ', '"');
    }

    /// <summary>One <c>{Label=value}</c> item; <paramref name="Cut"/> when the text ended (or the trailer began) before its brace closed.</summary>
    private sealed record Item(string Label, string Value, bool Cut);

    /// <summary>The <c>{Label=value}</c> (or localised <c>&lt;label-value&gt;</c>) items of a brace list, in order.</summary>
    private static List<Item> ReadItems(string text, out int end)
    {
        var items = new List<Item>();
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

            var label = labelMatch.Groups[1].Value.ToUpperInvariant();
            var valueStart = labelMatch.Index + labelMatch.Length;
            var valueEnd = MatchingClose(text, valueStart, text[open], close);
            if (valueEnd < 0)
            {
                // Published truncations often glue the trailer onto the open item: "{MSG=4. OutboundProxyTargetIP: …".
                var rest = text[valueStart..];
                var trailer = TrailerLabel().Match(rest);
                var value = trailer.Success ? rest[..trailer.Index] : rest;
                items.Add(new Item(label, value.Trim().TrimEnd(']', '}', ' ', '.', ';'), Cut: true));
                end = trailer.Success ? valueStart + trailer.Index : text.Length;
                break;
            }

            items.Add(new Item(label, text[valueStart..valueEnd].Trim(), Cut: false));
            i = end = valueEnd + 1;
        }

        return items;
    }

    /// <summary>
    /// The index of the brace that closes the item, skipping nested [..] and quotes; -1 when the text ends
    /// first. A brace followed by the next item (or the list's end) closes the item even inside an unclosed
    /// bracket, so a group cut off inside LED does not swallow MSG, FQDN and the rest.
    /// </summary>
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
            else if (c == close && (depth == 0 || NextItemOrEnd().Match(text, i + 1) is { Success: true } next && next.Index == i + 1))
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

    private static ParsedReason FromItems(string input, string clean, List<Item> items, int itemsEnd, int depth)
    {
        var unreadable = new List<string>();
        var redacted = new List<string>();

        // A cut-off atomic item (MSG, FQDN, IP, LRT) is reported and left out: half an address or host would mislead correlation.
        string? Item(params string[] labels)
        {
            var item = items.FirstOrDefault(i => labels.Contains(i.Label));
            if (item is null)
            {
                return null;
            }

            if (item.Cut && item.Label != "LED")
            {
                unreadable.Add(CutOff(item.Label, item.Value));
                return null;
            }

            return Guard(item.Value, item.Label, unreadable);
        }

        var ledItem = items.FirstOrDefault(i => i.Label == "LED");
        var reply = ledItem is null ? null : FromReply(ledItem.Value, Normalize(ledItem.Value), depth);
        if (ledItem is { Cut: true })
        {
            unreadable.Add($"LED cut off: its text ends at '{Tail(ledItem.Value)}'");
        }

        var ip = Redaction(Item("IP"), "IP", redacted);
        var fqdn = Redaction(Item("FQDN"), "FQDN", redacted);
        var msg = Item("MSG");
        var lrt = Item("LRT", "LRI");
        var trailer = clean[Math.Min(itemsEnd, clean.Length)..];
        var proxyIp = Redaction(Guard(TrailerValue(trailer, "OutboundProxyTargetIP"), "OutboundProxyTargetIP", unreadable), "OutboundProxyTargetIP", redacted);
        var proxyHost = Redaction(Guard(TrailerValue(trailer, "OutboundProxyTargetHostName"), "OutboundProxyTargetHostName", unreadable), "OutboundProxyTargetHostName", redacted);
        var unknown = items.Where(i => i.Label is not ("LED" or "MSG" or "FQDN" or "IP" or "LRT" or "LRI")).Select(i => $"{{{i.Label}={i.Value}}}").ToList();
        var onPremises = items[0].Label is "LRT" or "LRI";
        var tls = reply?.TlsError ?? TlsErrorOf(clean);
        return (reply ?? new ParsedReason { Input = input }) with
        {
            Input = input,
            Format = onPremises ? ReasonFormat.OnPremisesQueue : ReasonFormat.ExchangeOnlineBrace,
            Token = Empty(msg) ?? reply?.Token,
            TargetHost = Empty(fqdn) ?? reply?.TargetHost ?? Empty(proxyHost),
            TargetAddress = Empty(ip) ?? reply?.TargetAddress ?? Empty(proxyIp),
            LastRetryTime = Empty(lrt),
            OutboundProxyTargetIP = Empty(proxyIp),
            OutboundProxyTargetHostName = Empty(proxyHost),
            TlsError = tls,
            Truncated = items.Any(i => i.Cut) || (reply?.Truncated ?? false),
            Redacted = [.. redacted, .. reply?.Redacted ?? []],
            Unparsed = [.. unknown, .. reply?.Unparsed ?? []],
            Unreadable = [.. unreadable, .. reply?.Unreadable ?? []],
        };
    }

    /// <summary>A reply: optional code, enhanced code, text, then bracket groups and any nested reply.</summary>
    private static ParsedReason FromReply(string input, string text, int depth)
    {
        var match = ReplyStart().Match(text);
        int? code = match.Groups["code"].Success ? int.Parse(match.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
        var enhanced = match.Groups["enhanced"].Success ? match.Groups["enhanced"].Value : null;
        var rest = match.Success ? text[match.Length..] : text;
        var groups = BracketGroups(rest, out var body);
        var redacted = new List<string>();
        var unparsed = new List<string>();
        var unreadable = new List<string>();
        string? token = null, expected = null, presented = null, thumbprint = null, host = null, address = null, security = null, server = null;
        ParsedReason? nested = null;
        foreach (var (group, closed) in groups)
        {
            var equals = group.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 && !group[..equals].Contains(' ', StringComparison.Ordinal) ? group[..equals] : null;
            var value = key is null ? group : group[(equals + 1)..].Trim();
            switch (key?.ToUpperInvariant())
            {
                case "MESSAGE" when ReplyStart().Match(value) is { Success: true, Groups: var g } && (g["code"].Success || g["enhanced"].Success) && depth < MaxNesting:
                    nested = Parse(value, depth + 1);
                    nested = closed ? nested : nested with { Truncated = true };
                    break;
                case "MESSAGE":
                    (token, expected, presented, thumbprint) = MessageParts(value, closed, unreadable);
                    break;
                case "LASTATTEMPTEDSERVERNAME" when closed:
                    host = Guard(value, "LastAttemptedServerName", unreadable);
                    break;
                case "LASTATTEMPTEDIP" when closed:
                    address = Redaction(Guard(value, "LastAttemptedIP", unreadable), "LastAttemptedIP", redacted);
                    break;
                case "SMTPSECURITY" when closed:
                    security = Guard(value, "SmtpSecurity", unreadable);
                    break;
                case "LASTATTEMPTEDSERVERNAME" or "LASTATTEMPTEDIP" or "SMTPSECURITY":
                    unreadable.Add(CutOff(key!, value));
                    break;
                case null when closed && ServerGroup().IsMatch(value):
                    server = Guard(value, "EOP server group", unreadable);
                    break;
                case null when !closed:
                    unreadable.Add(CutOff(HostStart().IsMatch(value) ? "EOP server group" : "bracket group", value));
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

        var format = code is null && enhanced is null ? ReasonFormat.EventText
            : groups.Any(g => g.Text.StartsWith("LastAttempted", StringComparison.OrdinalIgnoreCase) || g.Text.StartsWith("Message=", StringComparison.OrdinalIgnoreCase)) ? ReasonFormat.ExchangeOnlineBracket
            : ReasonFormat.SmtpReply;
        return new ParsedReason
        {
            Input = input,
            Format = format,
            SmtpCode = code,
            EnhancedCode = enhanced,
            Text = Empty(Guard(body.Trim().TrimEnd('.').Trim(), "reply text", unreadable)),
            Token = token,
            ExpectedSubject = Empty(expected),
            PresentedSubject = Empty(presented),
            Thumbprint = Empty(thumbprint),
            TargetHost = Empty(host),
            TargetAddress = Empty(address),
            SmtpSecurity = security,
            ExchangeOnlineServer = server,
            Nested = nested,
            TlsError = TlsErrorOf(text) ?? nested?.TlsError,
            Truncated = groups.Any(g => !g.Closed),
            Redacted = redacted,
            Unparsed = unparsed,
            Unreadable = unreadable,
        };
    }

    /// <summary>
    /// The parts of <c>[Message=&lt;token&gt; Expected Subject: … Presented Subject: … Thumbprint: ….]</c>.
    /// In a group that was cut off, a part that runs to the cut is reported instead of kept.
    /// </summary>
    private static (string? Token, string? Expected, string? Presented, string? Thumbprint) MessageParts(string value, bool closed, List<string> unreadable)
    {
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var first = (space < 0 ? value : value[..space]).TrimEnd('.');
        string? token = first;
        if (!closed && space < 0)
        {
            unreadable.Add(CutOff("Message", value));
            token = null;
        }

        string? Part(string label, string name, bool last)
        {
            var from = value.IndexOf(label, StringComparison.OrdinalIgnoreCase);
            if (from < 0)
            {
                return null;
            }

            from += label.Length;
            var next = NextLabel(value, from);
            var part = (next < 0 ? value[from..] : value[from..next]).Trim().TrimEnd('.').Trim();
            var runsToCut = !closed && next < 0 && !(last && value.TrimEnd().EndsWith('.'));
            if (runsToCut)
            {
                unreadable.Add(CutOff(name, part));
                return null;
            }

            return part;
        }

        token = Guard(token, "Message", unreadable);
        return (Empty(token) is { } t && !IsLabelStart(t) ? t : null,
            Part("Expected Subject:", "ExpectedSubject", last: false),
            Part("Presented Subject:", "PresentedSubject", last: false),
            Part("Thumbprint:", "Thumbprint", last: true));
    }

    private static bool IsLabelStart(string word) => word.Equals("Expected", StringComparison.OrdinalIgnoreCase) || word.EndsWith(':');

    /// <summary>Top-level [..] groups (nesting respected), each with whether it closed; the rest of the text is the body.</summary>
    private static List<(string Text, bool Closed)> BracketGroups(string text, out string body)
    {
        var groups = new List<(string, bool)>();
        var outside = new StringBuilder();
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
                    groups.Add((text[start..i].Trim(), true));
                }
            }
            else if (depth == 0)
            {
                outside.Append(c);
            }
        }

        if (depth > 0)
        {
            groups.Add((text[start..].Trim(), false));
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

    /// <summary>The first field label at or after <paramref name="from"/>, or -1.</summary>
    private static int NextLabel(string value, int from)
    {
        var first = -1;
        foreach (var label in FieldLabels)
        {
            var at = value.IndexOf(label, from, StringComparison.OrdinalIgnoreCase);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        return first;
    }

    /// <summary>A value holding another field's label has swallowed that field: it is cut there and the cut reported.</summary>
    private static string? Guard(string? value, string name, List<string> unreadable)
    {
        if (value is null)
        {
            return null;
        }

        var at = NextLabel(value, 0);
        if (at < 0)
        {
            return value;
        }

        var label = FieldLabels.First(l => string.Compare(value, at, l, 0, l.Length, StringComparison.OrdinalIgnoreCase) == 0).Trim('{', ';', '=', ':');
        unreadable.Add($"{name} runs into {label}: '{Quote(value)}'");
        var kept = value[..at].Trim().TrimEnd('.', ';', '{', '[').Trim();
        return kept.Length == 0 ? null : kept;
    }

    private static string CutOff(string name, string value) => $"{name} cut off: '{Quote(value)}'";

    private static string Quote(string value) => value.Length <= MaxQuoted ? value : value[..MaxQuoted] + "…";

    private static string Tail(string value) => value.Length <= 40 ? value : "…" + value[^40..];

    /// <summary>
    /// A TLS error named anywhere in the text. SSPI statuses that only a TLS handshake produces count on their
    /// own; socket-level ones (SocketError, ConnectionReset, …) only beside TLS words or as "Connection dropped
    /// due to X", because alone they can be a plain TCP failure (RC21).
    /// </summary>
    private static string? TlsErrorOf(string text)
    {
        if (ExplicitTlsError().Match(text) is { Success: true } explicitError)
        {
            return explicitError.Groups["error"].Success ? explicitError.Groups["error"].Value : "TlsNegotiationFailed";
        }

        if (SspiStatus().Match(text) is { Success: true } sspi)
        {
            return sspi.Value;
        }

        if (SocketStatus().Match(text) is { Success: true } socket && (TlsContext().IsMatch(text) || text.Contains("dropped due to " + socket.Value, StringComparison.OrdinalIgnoreCase)))
        {
            return socket.Value;
        }

        return null;
    }

    /// <summary>A value written as x/#/* runs (wholly, or in any address octet) is the publisher's redaction: recorded by name, treated as absent.</summary>
    private static string? Redaction(string? value, string name, List<string> redacted)
    {
        if (value is null || value.Length == 0)
        {
            return value;
        }

        var whole = value.All(c => c is 'x' or 'X' or '#' or '*' or '.' or ':') && value.Any(c => c is 'x' or 'X' or '#' or '*');
        if (whole || (RedactedOctet().IsMatch(value) && value.Any(c => c is 'x' or 'X' or '#' or '*')))
        {
            redacted.Add(name);
            return null;
        }

        return value;
    }

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex(@"^(Reason|LastError|Error|Diagnostic information for administrators|Remote Server returned)\s*:\s*", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingLabel();

    [GeneratedRegex(@"<br\s*/?>", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlBreak();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\G\s*\[?\s*(LED|MSG|FQDN|IP|LRT|LRI)\s*[=-]", RegexOptions.IgnoreCase)]
    private static partial Regex ItemLabel();

    [GeneratedRegex(@"\G\s*(;\s*[{<]\s*(LED|MSG|FQDN|IP|LRT|LRI)\s*[=-]|\]\s*(\.|\}|$|OutboundProxy))", RegexOptions.IgnoreCase)]
    private static partial Regex NextItemOrEnd();

    [GeneratedRegex(@"[.\s]*OutboundProxyTarget(IP|HostName)\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex TrailerLabel();

    [GeneratedRegex(@"^\s*(?<code>[245]\d\d)?[ -]?\s*(?<enhanced>[245]\.\d{1,3}\.\d{1,3})?(?=\s|$|[.;:,\]])")]
    private static partial Regex ReplyStart();

    [GeneratedRegex(@"(responded with:?\s*""(?<reply>[245]\d\d[^""]*)""?|->\s*(?<reply>[245]\d\d .*)|with\s*'(?<reply>[245]\d\d [^']*)'?)", RegexOptions.IgnoreCase)]
    private static partial Regex EmbeddedReply();

    [GeneratedRegex(@"(TLS negotiation failed with error|Security status)\s*:?\s+(?<error>[A-Za-z]+)|\bTlsNegotiationFailed\b(\s*:?\s*(?<error>[A-Z][A-Za-z]+))?", RegexOptions.IgnoreCase)]
    private static partial Regex ExplicitTlsError();

    [GeneratedRegex(@"\b(InvalidToken|UnexpectedMessage|UnknownCredentials|NoCredentials|IllegalMessage|MessageAltered|DecryptFailure|AlgorithmMismatch|IncompleteMessage|CertUnknown|WrongPrincipal|ContextExpired|NoAuthenticatingAuthority)\b")]
    private static partial Regex SspiStatus();

    [GeneratedRegex(@"\b(SocketError|ConnectionAborted|ConnectionReset|TimedOut|ConnectionRefused|InternalError)\b")]
    private static partial Regex SocketStatus();

    [GeneratedRegex(@"\b(TLS|SSL|STARTTLS|handshake)\b", RegexOptions.IgnoreCase)]
    private static partial Regex TlsContext();

    [GeneratedRegex(@"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}\s+\d{4}-\d\d-\d\dT")]
    private static partial Regex ServerGroup();

    [GeneratedRegex(@"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]*)*\s*$")]
    private static partial Regex HostStart();

    /// <summary>An IPv4 address (optionally :port) with some octets written as x, # or * ("x.147.128.25:25", "72.x.x.x.:25").</summary>
    [GeneratedRegex(@"^(\d{1,3}|[xX]+|#+|\*+)(\.(\d{1,3}|[xX]+|#+|\*+)){3}\.?(:\d+)?$")]
    private static partial Regex RedactedOctet();
}
