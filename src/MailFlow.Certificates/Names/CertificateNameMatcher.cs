namespace MailFlow.Certificates.Names;

/// <summary>Which presented names may satisfy a reference identifier.</summary>
public enum NameMatchProfile
{
    /// <summary>
    /// What Exchange and Exchange Online document: the name may be in the Subject CN or in a SAN
    /// dNSName ("Subject or SAN"). Default for Exchange-style validation.
    /// </summary>
    Exchange,

    /// <summary>RFC 9525: SAN only, the CN is never consulted.</summary>
    Rfc9525,
}

/// <summary>Outcome of matching one reference identifier against a certificate's names.</summary>
public sealed record NameMatchResult(bool IsMatch, string? MatchedName, string? MatchedIn, IReadOnlyList<string> Notes)
{
    public static NameMatchResult NoMatch(IReadOnlyList<string> notes) => new(false, null, null, notes);
}

/// <summary>
/// Our own name matcher, because the platform's (OpenSSL X509_check_host on Linux) silently falls
/// back to the CN and differs by platform. Rules (RFC 9525 §6.3): case-insensitive comparison of
/// A-labels, trailing dot ignored, <c>*</c> only as the complete leftmost label matching exactly one
/// label, no partial wildcards, no wildcard over a single-label parent, IP references only against
/// iPAddress SANs.
/// </summary>
public static class CertificateNameMatcher
{
    public static NameMatchResult Match(ReferenceIdentifier reference, PresentedIdentifiers presented, NameMatchProfile profile)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(presented);
        var notes = new List<string>();

        if (reference.Kind == ReferenceKind.IpAddress)
        {
            foreach (var address in presented.IpAddresses)
            {
                if (address.Equals(reference.Address))
                {
                    return new NameMatchResult(true, address.ToString(), "SAN iPAddress", notes);
                }
            }

            if (presented.DnsNames.Any(n => string.Equals(n, reference.Normalized, StringComparison.OrdinalIgnoreCase)))
            {
                notes.Add($"{reference.Normalized} appears as a SAN dNSName, but an IP address only matches an iPAddress SAN");
            }

            return NameMatchResult.NoMatch(notes);
        }

        foreach (var name in presented.DnsNames)
        {
            if (NameMatches(reference, name, notes))
            {
                return new NameMatchResult(true, name, "SAN dNSName", notes);
            }
        }

        var cnMatch = presented.CommonNames.FirstOrDefault(cn => NameMatches(reference, cn, notes: null));
        if (cnMatch is not null)
        {
            if (profile == NameMatchProfile.Exchange)
            {
                return new NameMatchResult(true, cnMatch, "Subject CN", notes);
            }

            notes.Add($"the Subject CN {cnMatch} matches, but RFC 9525 ignores the CN; Exchange-profile validation would accept it");
        }

        return NameMatchResult.NoMatch(notes);
    }

    /// <summary>True when the single presented name covers the reference.</summary>
    public static bool NameMatches(ReferenceIdentifier reference, string presentedName, List<string>? notes)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(presentedName);
        var presented = DnsNames.NormalizePresented(presentedName);
        if (!presented.All(char.IsAscii))
        {
            notes?.Add($"\"{presentedName}\" is not an A-label; certificates must carry xn-- names");
            return false;
        }

        var isWildcard = presented.StartsWith("*.", StringComparison.Ordinal);
        var rest = isWildcard ? presented[2..] : presented;
        if (rest.Contains('*'))
        {
            notes?.Add($"\"{presentedName}\" has a wildcard that is not the whole leftmost label; it never matches");
            return false;
        }

        if (isWildcard && DnsNames.CountLabels(rest) < 2)
        {
            notes?.Add($"\"{presentedName}\" is a wildcard over a single-label parent; it never matches");
            return false;
        }

        return reference.Kind switch
        {
            ReferenceKind.DnsName when isWildcard => MatchesOneLabelBelow(reference.Normalized, rest),
            ReferenceKind.DnsName => string.Equals(presented, reference.Normalized, StringComparison.Ordinal),

            // TlsDomain *.contoso.com: any name below contoso.com, and a wildcard whose parent is
            // contoso.com or below it (every name it covers is a subdomain of contoso.com).
            ReferenceKind.SubdomainsOf => isWildcard
                ? rest == reference.Normalized || rest.EndsWith("." + reference.Normalized, StringComparison.Ordinal)
                : presented.EndsWith("." + reference.Normalized, StringComparison.Ordinal),
            _ => false,
        };
    }

    private static bool MatchesOneLabelBelow(string reference, string wildcardParent)
    {
        var dot = reference.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && string.Equals(reference[(dot + 1)..], wildcardParent, StringComparison.Ordinal);
    }
}
