using MailFlow.Certificates.Validation;

namespace MailFlow.Diagnostics.Probe;

/// <summary>One certificate as the server sent it.</summary>
public sealed record ProbedCertificate(
    string Subject,
    string Issuer,
    IReadOnlyList<string> DnsNames,
    DateTime NotBefore,
    DateTime NotAfter,
    string Key,
    string SignatureAlgorithm,
    string SerialNumber,
    string Thumbprint,
    bool SelfSigned);

/// <summary>The verdict Exchange Online would reach at one TlsAuthLevel.</summary>
public sealed record LevelVerdict(TlsAuthLevel Level, bool Passed, string? Token, string? Detail);

/// <summary>What one address of the target showed a sending MTA.</summary>
public sealed record AddressProbe
{
    public required string Address { get; init; }

    public string? Banner { get; init; }

    public IReadOnlyList<string> EhloKeywords { get; init; } = [];

    public bool StartTlsOffered { get; init; }

    public string? TlsProtocol { get; init; }

    public string? CipherSuite { get; init; }

    /// <summary>The chain as sent (leaf first), from the handshake with SNI (or without, with --no-sni).</summary>
    public IReadOnlyList<ProbedCertificate> Chain { get; init; } = [];

    /// <summary>The leaf's thumbprint when the handshake is repeated the other way round (without/with SNI).</summary>
    public string? OtherSniThumbprint { get; init; }

    public IReadOnlyList<LevelVerdict> Verdicts { get; init; } = [];

    /// <summary>Short ids a reader and diagnose can act on: starttls-not-offered, banner-masked, sni-differs, expired, missing-intermediate, …</summary>
    public IReadOnlyList<string> Findings { get; init; } = [];

    /// <summary>Connection or protocol failure before the handshake completed.</summary>
    public string? Error { get; init; }
}

public sealed record ProbeReport(string Host, int Port, string? Expect, IReadOnlyList<AddressProbe> Addresses, IReadOnlyList<string> Findings);
