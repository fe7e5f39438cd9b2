using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Names;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Diagnostics.Probe;
using MailFlow.Diagnostics.Reasons;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Context;

/// <summary>
/// Everything one diagnosis knows, built once and read by every rule of the catalogue: the reason and
/// its flattened facts, each protocol-log session as an observation of the server that answered
/// (split by which side wrote the log), the certificate history per server and connector, the
/// certificate and connector dumps, and a probe. Rules never read files;
/// adding a rule means reading this, not changing it.
/// </summary>
public sealed class DiagnosisContext
{
    public ParsedReason? Reason { get; init; }

    public ReasonFacts? Facts { get; init; }

    /// <summary>Where the reason came from: "reason" for --reason, or the tracking-log row that stood in for it.</summary>
    public string ReasonSource { get; init; } = "reason";

    /// <summary>The name the sender expected: --expect, the reason's Expected Subject, or the host it connected to.</summary>
    public string? Expected { get; init; }

    public ReferenceIdentifier? ExpectedName { get; init; }

    public IReadOnlyList<ServerObservation> Observations { get; init; } = [];

    /// <summary>Sessions of SmtpReceive logs: the server's own account of what it offered and sent.</summary>
    public IReadOnlyList<ServerObservation> Receiving { get; init; } = [];

    /// <summary>Sessions of SmtpSend logs: the remote server as the sender saw it, devices in the path included.</summary>
    public IReadOnlyList<ServerObservation> Sending { get; init; } = [];

    public CertificateHistory History { get; init; } = CertificateHistory.Of([]);

    public IReadOnlyList<DumpedObject> Certificates { get; init; } = [];

    /// <summary>Receive and send connectors of the dump (a send connector has AddressSpaces or SmartHosts).</summary>
    public IReadOnlyList<DumpedObject> Connectors { get; init; } = [];

    /// <summary>Chain and revocation statuses from Test-Certificate, certutil or CAPI2 text.</summary>
    public IReadOnlyList<CertificateHealthFinding> Health { get; init; } = [];

    /// <summary>What the tolerant readers had to repair in pasted logs and transcripts ("line 6 rejoined with line 7").</summary>
    public IReadOnlyList<string> Repairs { get; init; } = [];

    public ProbeReport? Probe { get; init; }

    public bool LogsGiven { get; init; }

    public bool CertificatesGiven { get; init; }

    public bool ConnectorsGiven { get; init; }

    /// <summary>Connectors of the dump that are not send connectors (Get-ReceiveConnector output, or a dump that does not say).</summary>
    public IEnumerable<DumpedObject> ReceiveConnectors => Connectors.Where(c => !IsSendConnector(c));

    public IEnumerable<DumpedObject> SendConnectors => Connectors.Where(IsSendConnector);

    private static bool IsSendConnector(DumpedObject connector) => connector["AddressSpaces"] is not null || connector["SmartHosts"] is not null || connector["DNSRoutingEnabled"] is not null;

    public static DiagnosisContext ForReason(ParsedReason reason) => new() { Reason = reason, Facts = ReasonFacts.Of(reason) };

    /// <summary>A finding resting on the reason alone: the reason is cited, what would confirm it is what is missing.</summary>
    public Finding FromReason(string rootCause, Confidence confidence, string because, string confirmWith) =>
        new(rootCause, RootCauseCatalog.All[rootCause].Title, confidence, [new Evidence(ReasonSource, because)], [confirmWith], [RootCauseCatalog.All[rootCause].Fix]);

    /// <summary>What the probe reported under one of <paramref name="ids"/> (probe finding ids such as <c>banner-masked</c>), as evidence.</summary>
    public IReadOnlyList<Evidence> ProbeSaid(params string[] ids)
    {
        if (Probe is not { } probe)
        {
            return [];
        }

        return probe.Addresses.SelectMany(a => a.Findings.Select(f => (Where: $"probe {probe.Host} [{a.Address}]", Finding: f)))
            .Concat(probe.Findings.Select(f => (Where: $"probe {probe.Host} [all addresses]", Finding: f)))
            .Where(p => ids.Contains(p.Finding.Split(':')[0]))
            .Select(p => new Evidence(p.Where, p.Finding))
            .ToList();
    }

    /// <summary>Certificate-health statements with one of <paramref name="meanings"/>, as evidence (file:line, the token as written, the certificate it names).</summary>
    public IReadOnlyList<Evidence> HealthSaid(params CertificateHealth[] meanings) =>
        Health.Where(h => meanings.Contains(h.Meaning))
            .Select(h => new Evidence(h.Source.ToString(), $"{h.Token}{((h.Subject ?? h.Thumbprint) is { } which ? " for " + which : string.Empty)}: {h.Meaning}"))
            .ToList();

    /// <summary>
    /// The receiving server's own record of the connection a sender's session made: the same TCP connection
    /// when the endpoints match (the sender's local endpoint is the receiver's remote one), otherwise — a
    /// device in between changes the address — the receiving session closest in time, within a minute.
    /// </summary>
    public ServerObservation? CounterpartOf(ServerObservation sending)
    {
        ArgumentNullException.ThrowIfNull(sending);
        if (sending.Session.LocalEndpoint is { Length: > 0 } local && Receiving.FirstOrDefault(r => r.Session.RemoteEndpoint == local) is { } same)
        {
            return same;
        }

        return sending.At == default ? null
            : Receiving.Where(r => r.At != default && Math.Abs((r.At - sending.At).TotalSeconds) <= 60).MinBy(r => Math.Abs((r.At - sending.At).Ticks));
    }

    /// <summary>Whether a certificate the logs recorded carries <paramref name="name"/> (SAN, or the subject CN when it has no SAN).</summary>
    public static bool Carries(Logs.Reading.LoggedCertificate certificate, ReferenceIdentifier name)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.AlternateNames.Any(n => Matches(name, n))
            || (certificate.AlternateNames.Count == 0 && certificate.Subject is { } subject
                && subject.Split(',').Select(p => p.Trim()).Any(p => p.StartsWith("CN=", StringComparison.OrdinalIgnoreCase) && Matches(name, p[3..])));
    }

    /// <summary>A dumped certificate's CertificateDomains carry <paramref name="name"/>.</summary>
    public static bool Carries(DumpedObject certificate, ReferenceIdentifier name) =>
        certificate?.List("CertificateDomains").Any(d => Matches(name, d)) ?? false;

    public static bool Matches(ReferenceIdentifier reference, string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        try
        {
            return CertificateNameMatcher.NameMatches(reference, presented.Trim(), null);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Whether a TlsCertificateName value names this dumped certificate (same issuer and subject).</summary>
    public static bool NamesCertificate(string? tlsCertificateName, DumpedObject certificate) =>
        SmtpX509Identifier.TryParse(tlsCertificateName, out var id, out _)
        && certificate is not null && certificate["Issuer"] is { } issuer && certificate["Subject"] is { } subject
        && id!.Equals(SmtpX509Identifier.Create(issuer, subject));

    public static bool SmtpEnabled(DumpedObject certificate) => certificate?.List("Services").Contains("SMTP", StringComparer.OrdinalIgnoreCase) ?? false;

    public DumpedObject? Connector(string? identity) =>
        identity is null ? null : Connectors.FirstOrDefault(c => string.Equals(c["Identity"], identity, StringComparison.OrdinalIgnoreCase));
}
