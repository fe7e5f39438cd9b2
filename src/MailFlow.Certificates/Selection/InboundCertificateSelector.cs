using MailFlow.Certificates.Names;
using MailFlow.Certificates.Store;

namespace MailFlow.Certificates.Selection;

/// <summary>
/// Exchange's inbound STARTTLS certificate selection ("Selection of Inbound STARTTLS Certificates",
/// Exchange 2016/2019/SE; the same order in 2013):
/// <list type="number">
/// <item>AuthMechanism without Tls: no STARTTLS, no certificate.</item>
/// <item>Search for TlsCertificateName, else the connector Fqdn, else the server FQDN.</item>
/// <item>Eligible: X.509 v3, private key, the name (issuer+subject, or FQDN in Subject/SAN), SMTP enabled.</item>
/// <item>None eligible: no STARTTLS, event 12014.</item>
/// <item>Rank by NotBefore (newest first); take the first valid CA-issued certificate, else the first
/// self-signed one; an expired choice still offers STARTTLS and raises event 12016.</item>
/// </list>
/// SNI plays no part.
/// </summary>
public static class InboundCertificateSelector
{
    public static CertificateSelectionDecision Select(
        InboundSelectionRequest request,
        IReadOnlyList<ExchangeCertificate> store,
        DateTimeOffset now,
        CertificateSelectionPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(store);
        policy ??= CertificateSelectionPolicy.Default;

        if (!request.TlsInAuthMechanism)
        {
            return new CertificateSelectionDecision
            {
                ConnectorIdentity = request.ConnectorIdentity,
                Path = SelectionPath.TlsNotEnabled,
                SearchedFor = string.Empty,
                TieBreak = policy.TieBreak,
                Reason = "AuthMechanism does not contain Tls, so STARTTLS is not offered and no certificate is loaded",
                Candidates = [],
                Events = [],
            };
        }

        var (path, searchedFor) = request.TlsCertificateName is not null
            ? (SelectionPath.TlsCertificateName, request.TlsCertificateName.ToString())
            : !string.IsNullOrWhiteSpace(request.ConnectorFqdn)
                ? (SelectionPath.ConnectorFqdn, request.ConnectorFqdn!)
                : (SelectionPath.ServerFqdn, request.ServerFqdn);

        var fqdnReference = path == SelectionPath.TlsCertificateName ? null : ReferenceIdentifierOrNull(searchedFor);
        var screened = store.Select(c => (Certificate: c, Screen: Screen(c, request, fqdnReference, policy))).ToList();
        var eligible = Rank(screened.Where(s => s.Screen.Verdict is null).Select(s => s.Certificate), policy.TieBreak);

        var chosen = ChooseBest(eligible, now, out var why);
        var warnings = new List<string>();
        var events = new List<SelectionEvent>();
        if (chosen is null)
        {
            events.Add(new SelectionEvent(12014, "Error",
                $"Microsoft Exchange could not find a certificate that contains the domain name {searchedFor} in the personal store on the local computer. " +
                $"STARTTLS is therefore not offered on connector {request.ConnectorIdentity}."));
        }
        else
        {
            if (!chosen.IsTimeValid(now))
            {
                events.Add(new SelectionEvent(12016, "Warning",
                    $"The certificate with thumbprint {chosen.Thumbprint} chosen for STARTTLS on connector {request.ConnectorIdentity} is not valid now " +
                    $"(NotBefore {chosen.NotBeforeUtc:u}, NotAfter {chosen.NotAfterUtc:u}); STARTTLS is still offered."));
            }

            if (!chosen.IsSmtpEnabled)
            {
                warnings.Add($"certificate {chosen.Thumbprint} is not enabled for SMTP; Exchange would still present it and the TLS session fails later (Enable-ExchangeCertificate -Services SMTP)");
            }
        }

        var ranks = eligible.Select((c, i) => (c.Thumbprint, Rank: i + 1)).ToDictionary(x => x.Thumbprint, x => x.Rank, StringComparer.OrdinalIgnoreCase);
        var candidates = screened
            .Select(s =>
            {
                var rank = ranks.TryGetValue(s.Certificate.Thumbprint, out var r) ? r : (int?)null;
                var verdict = s.Screen.Verdict
                    ?? (ReferenceEquals(s.Certificate, chosen) ? CandidateVerdict.Selected : CandidateVerdict.RankedLower);
                var reason = verdict switch
                {
                    CandidateVerdict.Selected => $"{s.Screen.Because}; {why}",
                    CandidateVerdict.RankedLower => $"{s.Screen.Because}; eligible but ranked #{rank}",
                    _ => s.Screen.Because,
                };
                return new SelectionCandidate(
                    s.Certificate.Thumbprint, s.Certificate.Subject, s.Certificate.Issuer, s.Certificate.NotBeforeUtc, s.Certificate.NotAfterUtc,
                    s.Certificate.IsSelfSigned, verdict, reason, rank);
            })
            .OrderBy(c => c.Rank ?? int.MaxValue)
            .ThenBy(c => c.Thumbprint, StringComparer.Ordinal)
            .ToList();

        var source = path switch
        {
            SelectionPath.TlsCertificateName => $"TlsCertificateName {searchedFor}",
            SelectionPath.ConnectorFqdn => $"no TlsCertificateName; searched Subject/SAN for the connector Fqdn {searchedFor}",
            _ => $"no TlsCertificateName and no connector Fqdn; searched Subject/SAN for the server FQDN {searchedFor}",
        };
        var reasonText = chosen is null
            ? $"{source}: no eligible certificate among {store.Count}, so STARTTLS is not offered (event 12014)"
            : $"{source}: {eligible.Count} of {store.Count} certificate(s) eligible; {why}: {chosen.Subject} ({chosen.Thumbprint})";

        return new CertificateSelectionDecision
        {
            ConnectorIdentity = request.ConnectorIdentity,
            Path = path,
            SearchedFor = searchedFor,
            TieBreak = policy.TieBreak,
            Certificate = chosen,
            Reason = reasonText,
            Candidates = candidates,
            Events = events,
            Warnings = warnings,
        };
    }

    private static ExchangeCertificate? ChooseBest(List<ExchangeCertificate> ranked, DateTimeOffset now, out string why)
    {
        var ca = ranked.FirstOrDefault(c => !c.IsSelfSigned && c.IsTimeValid(now));
        if (ca is not null)
        {
            why = "chose the first valid CA-issued certificate";
            return ca;
        }

        var selfSigned = ranked.FirstOrDefault(c => c.IsSelfSigned);
        if (selfSigned is not null)
        {
            why = "no valid CA-issued certificate is eligible, so chose the first self-signed certificate";
            return selfSigned;
        }

        var anyOther = ranked.Count > 0 ? ranked[0] : null;
        why = anyOther is null ? "none eligible" : "only certificates outside their validity period are eligible, so chose the first of them";
        return anyOther;
    }

    private static List<ExchangeCertificate> Rank(IEnumerable<ExchangeCertificate> eligible, CertificateTieBreak tieBreak) =>
        (tieBreak == CertificateTieBreak.LatestNotAfter
            ? eligible.OrderByDescending(c => c.NotAfterUtc).ThenByDescending(c => c.NotBeforeUtc)
            : eligible.OrderByDescending(c => c.NotBeforeUtc).ThenByDescending(c => c.NotAfterUtc))
        .ThenBy(c => c.Thumbprint, StringComparer.Ordinal)
        .ToList();

    private readonly record struct ScreenResult(CandidateVerdict? Verdict, string Because);

    private static ScreenResult Screen(ExchangeCertificate certificate, InboundSelectionRequest request, ReferenceIdentifier? fqdn, CertificateSelectionPolicy policy)
    {
        string nameReason;
        if (request.TlsCertificateName is { } named)
        {
            if (!named.Matches(certificate.Certificate))
            {
                return new ScreenResult(CandidateVerdict.NameMismatch, $"issuer/subject differ from the TlsCertificateName (this one is <I>{certificate.Issuer}<S>{certificate.Subject})");
            }

            nameReason = "issuer and subject equal the TlsCertificateName";
        }
        else
        {
            var matched = fqdn is null ? null : MatchFqdn(certificate, fqdn, policy);
            if (matched is null)
            {
                return new ScreenResult(CandidateVerdict.NameMismatch, $"{request.ConnectorFqdn ?? request.ServerFqdn} is in neither its Subject nor its SAN ({string.Join(", ", certificate.CertificateDomains)})");
            }

            nameReason = $"{fqdn!.Original} found in its {matched}";
        }

        if (certificate.Certificate.Version < 3)
        {
            return new ScreenResult(CandidateVerdict.NotVersion3, $"X.509 version {certificate.Certificate.Version}; version 3 is required");
        }

        if (!certificate.HasPrivateKey)
        {
            return new ScreenResult(CandidateVerdict.NoPrivateKey, "has no private key");
        }

        if (policy.SmtpServiceRequired && !certificate.IsSmtpEnabled)
        {
            return new ScreenResult(CandidateVerdict.NotSmtpEnabled, $"not enabled for SMTP (Services: {ExchangeServicesText.Format(certificate.Services)})");
        }

        return new ScreenResult(null, nameReason);
    }

    private static string? MatchFqdn(ExchangeCertificate certificate, ReferenceIdentifier fqdn, CertificateSelectionPolicy policy)
    {
        var presented = certificate.Names;
        foreach (var name in presented.DnsNames)
        {
            if (Allowed(name) && CertificateNameMatcher.NameMatches(fqdn, name, notes: null))
            {
                return $"SAN ({name})";
            }
        }

        foreach (var cn in presented.CommonNames)
        {
            if (Allowed(cn) && CertificateNameMatcher.NameMatches(fqdn, cn, notes: null))
            {
                return $"Subject CN ({cn})";
            }
        }

        return null;

        bool Allowed(string name) => policy.WildcardMatchesFqdn || !name.StartsWith('*');
    }

    private static ReferenceIdentifier? ReferenceIdentifierOrNull(string name) =>
        ReferenceIdentifier.TryParse(name, allowSubdomainPattern: false, out var id, out _) ? id : null;
}
