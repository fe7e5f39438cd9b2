using System.Net;

namespace MailFlow.Certificates.Names;

/// <summary>What the client expects the server to be (RFC 9525 "reference identifier").</summary>
public sealed record ReferenceIdentifier
{
    private ReferenceIdentifier(ReferenceKind kind, string original, string normalized, IPAddress? address)
    {
        Kind = kind;
        Original = original;
        Normalized = normalized;
        Address = address;
    }

    public ReferenceKind Kind { get; }

    /// <summary>As the admin or the routing layer wrote it.</summary>
    public string Original { get; }

    /// <summary>A-label, lower-case form; for <see cref="ReferenceKind.SubdomainsOf"/> the parent domain.</summary>
    public string Normalized { get; }

    public IPAddress? Address { get; }

    /// <summary>
    /// Parses a host name, an IP address, or (only when <paramref name="allowSubdomainPattern"/>)
    /// an Exchange TlsDomain pattern <c>*.contoso.com</c>, which covers every subdomain of contoso.com.
    /// Embedded wildcards (<c>mail*.contoso.com</c>, <c>a.*.com</c>) are refused, as the cmdlets do.
    /// </summary>
    public static bool TryParse(string? text, bool allowSubdomainPattern, out ReferenceIdentifier? identifier, out string? error)
    {
        identifier = null;
        error = null;
        var value = text?.Trim() ?? string.Empty;
        if (value.StartsWith('[') && value.EndsWith(']'))
        {
            value = value[1..^1];
        }

        if (IPAddress.TryParse(value, out var address) && (value.Contains(':') || value.Count(c => c == '.') == 3))
        {
            identifier = new ReferenceIdentifier(ReferenceKind.IpAddress, text!, address.ToString(), address);
            return true;
        }

        var kind = ReferenceKind.DnsName;
        if (value.StartsWith("*.", StringComparison.Ordinal))
        {
            if (!allowSubdomainPattern)
            {
                error = $"\"{text}\" is a wildcard; a host name is expected here";
                return false;
            }

            kind = ReferenceKind.SubdomainsOf;
            value = value[2..];
        }

        if (value.Contains('*'))
        {
            error = $"\"{text}\" has a wildcard that is not the whole leftmost label";
            return false;
        }

        if (!DnsNames.TryNormalizeReference(value, out var normalized, out error))
        {
            return false;
        }

        if (kind == ReferenceKind.SubdomainsOf && DnsNames.CountLabels(normalized) < 2)
        {
            error = $"\"{text}\" would cover a whole top-level domain";
            return false;
        }

        identifier = new ReferenceIdentifier(kind, text!, normalized, null);
        return true;
    }

    public static ReferenceIdentifier Parse(string text, bool allowSubdomainPattern = false) =>
        TryParse(text, allowSubdomainPattern, out var identifier, out var error)
            ? identifier!
            : throw new FormatException(error);

    public override string ToString() => Kind == ReferenceKind.SubdomainsOf ? "*." + Normalized : Normalized;
}

public enum ReferenceKind
{
    DnsName,
    IpAddress,

    /// <summary>Exchange TlsDomain <c>*.contoso.com</c>: any name below contoso.com.</summary>
    SubdomainsOf,
}
