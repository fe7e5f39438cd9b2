using MailFlow.Certificates.Names;

namespace MailFlow.Configuration.Model;

/// <summary>
/// The capabilities a receive connector's TlsDomainCapabilities grants (Exchange's SmtpReceiveCapabilities
/// values that Set-ReceiveConnector documents; decision 0025).
/// </summary>
public enum SmtpReceiveCapabilities
{
    /// <summary>Exchange 2013+ hybrid: mail from Exchange Online is treated as the organisation's own.</summary>
    AcceptCloudServicesMail,

    /// <summary>Exchange 2010 hybrid: the XOORG extension (the cross-premises organisation) is accepted.</summary>
    AcceptOorgProtocol,

    /// <summary>The X-OriginatorOrg header is trusted.</summary>
    AcceptOorgHeader,
}

/// <summary>
/// Exchange's TlsDomainCapabilities syntax: entries <c>domain:Capability[,Capability…]</c>, where domain is an
/// SMTP domain, <c>*.domain</c> (every subdomain, as SmtpDomainWithSubdomains allows) or <c>NO-TLS</c>.
/// </summary>
public static class TlsDomainCapabilities
{
    /// <summary>Exchange's domain for connections that did not negotiate TLS.</summary>
    public const string NoTls = "NO-TLS";

    /// <summary>
    /// Rebuilds entries from comma-separated tokens. PowerShell and the CLI hand over
    /// <c>"a.com:X,Y","b.com:Z"</c> as the tokens <c>a.com:X</c>, <c>Y</c>, <c>b.com:Z</c>, so a token without
    /// a colon is one more capability of the entry before it. Returns canonical entries, or the first error.
    /// </summary>
    public static bool TryGroup(IEnumerable<string> tokens, out List<string> entries, out string? error)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var grouped = new List<List<string>>();
        foreach (var token in tokens.Select(t => t.Trim()).Where(t => t.Length > 0))
        {
            if (token.Contains(':', StringComparison.Ordinal) || grouped.Count == 0)
            {
                grouped.Add([token]);
            }
            else
            {
                grouped[^1].Add(token);
            }
        }

        entries = [];
        foreach (var entry in grouped.Select(g => string.Join(",", g)))
        {
            if (!TryParse(entry, out var domain, out var capabilities, out error))
            {
                return false;
            }

            entries.Add(Format(domain, capabilities));
        }

        var duplicate = entries.GroupBy(e => e[..e.IndexOf(':', StringComparison.Ordinal)], StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        error = duplicate is null ? null : $"domain \"{duplicate.Key}\" appears in {duplicate.Count()} entries; list all its capabilities in one entry";
        return duplicate is null;
    }

    /// <summary>One entry <c>domain:Capability[,Capability…]</c>; the error names the entry and what is wrong.</summary>
    public static bool TryParse(string entry, out string domain, out IReadOnlyList<SmtpReceiveCapabilities> capabilities, out string? error)
    {
        ArgumentNullException.ThrowIfNull(entry);
        domain = string.Empty;
        capabilities = [];
        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            error = $"\"{entry}\" is not domain:Capability (e.g. mail.protection.outlook.com:AcceptCloudServicesMail)";
            return false;
        }

        domain = entry[..colon].Trim();
        if (!domain.Equals(NoTls, StringComparison.OrdinalIgnoreCase)
            && (!ReferenceIdentifier.TryParse(domain, allowSubdomainPattern: true, out var id, out var domainError) || id!.Kind == ReferenceKind.IpAddress))
        {
            error = $"\"{entry}\": the domain {domainError ?? $"\"{domain}\" is an address"}; expected an SMTP domain, *.domain or NO-TLS";
            return false;
        }

        var names = entry[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            error = $"\"{entry}\" names no capability; expected one or more of {string.Join(", ", Enum.GetNames<SmtpReceiveCapabilities>())}";
            return false;
        }

        var parsed = new List<SmtpReceiveCapabilities>();
        foreach (var name in names)
        {
            // Enum.TryParse also takes numbers and comma lists; only the names are Exchange's syntax.
            var match = Enum.GetNames<SmtpReceiveCapabilities>().FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                error = $"\"{entry}\": \"{name}\" is not a capability; expected one or more of {string.Join(", ", Enum.GetNames<SmtpReceiveCapabilities>())}";
                return false;
            }

            parsed.Add(Enum.Parse<SmtpReceiveCapabilities>(match));
        }

        if (domain.Equals(NoTls, StringComparison.OrdinalIgnoreCase))
        {
            domain = NoTls;
        }

        capabilities = parsed.Distinct().ToList();
        error = null;
        return true;
    }

    private static string Format(string domain, IReadOnlyList<SmtpReceiveCapabilities> capabilities) =>
        $"{domain}:{string.Join(",", capabilities)}";
}
