using System.Text.Json.Serialization;
using MailFlow.Certificates.Store;

namespace MailFlow.Certificates.Selection;

/// <summary>What drove the search.</summary>
public enum SelectionPath
{
    /// <summary>AuthMechanism has no Tls: STARTTLS is not offered and no certificate is loaded.</summary>
    TlsNotEnabled,

    /// <summary>Explicit: the connector's TlsCertificateName.</summary>
    TlsCertificateName,

    /// <summary>Implicit: the connector's Fqdn.</summary>
    ConnectorFqdn,

    /// <summary>Implicit: the connector has no Fqdn, so the server's FQDN.</summary>
    ServerFqdn,
}

public enum CandidateVerdict
{
    Selected,

    /// <summary>Eligible, but another eligible certificate ranked first.</summary>
    RankedLower,
    NameMismatch,
    NotVersion3,
    NoPrivateKey,
    NotSmtpEnabled,
}

/// <summary>One certificate of the store, and why it was taken or skipped.</summary>
public sealed record SelectionCandidate(
    string Thumbprint,
    string Subject,
    string Issuer,
    DateTime NotBefore,
    DateTime NotAfter,
    bool IsSelfSigned,
    CandidateVerdict Verdict,
    string Reason,
    int? Rank);

/// <summary>An Application-log-style event Exchange would raise for this decision.</summary>
public sealed record SelectionEvent(int EventId, string Level, string Message);

/// <summary>
/// The inbound STARTTLS certificate decision for one connector: which certificate, and why. Computed
/// once when configuration is loaded (at start or restart), as Exchange does, and printed by
/// <c>mailflow cert explain-selection</c>.
/// </summary>
public sealed record CertificateSelectionDecision
{
    public required string ConnectorIdentity { get; init; }

    public required SelectionPath Path { get; init; }

    /// <summary>The TlsCertificateName or FQDN searched for (empty when TLS is not enabled).</summary>
    public required string SearchedFor { get; init; }

    public required CertificateTieBreak TieBreak { get; init; }

    /// <summary>The chosen certificate, or null when STARTTLS is not offered.</summary>
    [JsonIgnore]
    public ExchangeCertificate? Certificate { get; init; }

    public string? SelectedThumbprint => Certificate?.Thumbprint;

    public string? SelectedSubject => Certificate?.Subject;

    public string? SelectedIssuer => Certificate?.Issuer;

    public bool StartTlsAdvertised => Certificate is not null;

    /// <summary>One sentence: why this certificate (or none).</summary>
    public required string Reason { get; init; }

    public required IReadOnlyList<SelectionCandidate> Candidates { get; init; }

    public required IReadOnlyList<SelectionEvent> Events { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];
}
