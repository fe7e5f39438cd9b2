using MailFlow.Certificates.Names;

namespace MailFlow.Configuration.Recipients;

/// <summary>Syntax and comparison form of mailbox addresses, and the local-part routing MailFlow refuses.</summary>
public static class MailboxAddress
{
    // RFC 5322 §3.2.3 atext without '%' and '!': those two are routing syntax (below), not part of a name.
    private const string Specials = "#$&'*+-/=?^_`{|}~";

    /// <summary>
    /// What routing syntax <paramref name="localPart"/> carries, or null when none. MailFlow never
    /// interprets any of it (Postfix's allow_percent_hack / swap_bangpath are off for good): the
    /// percent hack <c>user%host</c> (RFC 1123 §5.2.16), UUCP bang paths <c>host!user</c>, and an
    /// <c>@</c> inside a quoted local part all name another host inside a local address.
    /// </summary>
    public static string? RoutingSyntax(string localPart)
    {
        ArgumentNullException.ThrowIfNull(localPart);
        if (localPart.Contains('%', StringComparison.Ordinal))
        {
            return "'%' (percent-hack routing)";
        }

        if (localPart.Contains('!', StringComparison.Ordinal))
        {
            return "'!' (a UUCP bang path)";
        }

        return localPart.Contains('@', StringComparison.Ordinal) ? "'@' inside the local part" : null;
    }

    /// <summary>
    /// Parses an address a mailbox may have: a dot-atom local part of at most 64 octets (RFC 5321
    /// §4.5.3.1.1) without routing syntax, and a host name. <paramref name="normalized"/> is the
    /// comparison form: local part in lower case (Exchange compares addresses without case), domain as
    /// lower-case A-labels.
    /// </summary>
    public static bool TryParse(string? address, out string normalized, out string? error)
    {
        normalized = string.Empty;
        var at = address?.LastIndexOf('@') ?? -1;
        if (address is null || at <= 0 || at == address.Length - 1)
        {
            error = "it is not local-part@domain";
            return false;
        }

        var local = address[..at];
        if (RoutingSyntax(local) is { } routing)
        {
            error = $"the local part contains {routing}, which MailFlow never accepts";
            return false;
        }

        if (local.Length > 64)
        {
            error = "the local part is longer than 64 characters";
            return false;
        }

        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal)
            || !local.All(c => char.IsAsciiLetterOrDigit(c) || c == '.' || c > 127 || Specials.Contains(c, StringComparison.Ordinal)))
        {
            error = "the local part is not a dot-atom (letters, digits and #$&'*+-/=?^_`{|}~ between dots, no quotes)";
            return false;
        }

        if (!DnsNames.TryNormalizeReference(address[(at + 1)..], out var domain, out var domainError))
        {
            error = domainError;
            return false;
        }

        normalized = local.ToLowerInvariant() + "@" + domain;
        error = null;
        return true;
    }

    /// <summary>The comparison form of a recipient taken from RCPT TO (which may be quoted), or null when its domain is not a host name.</summary>
    public static string? Normalize(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var at = address.LastIndexOf('@');
        return at > 0 && DnsNames.TryNormalizeReference(address[(at + 1)..], out var domain, out _)
            ? address[..at].ToLowerInvariant() + "@" + domain
            : null;
    }
}
