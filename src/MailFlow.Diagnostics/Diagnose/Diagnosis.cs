using MailFlow.Diagnostics.Reasons;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Diagnose;

/// <summary>What <c>mailflow diagnose</c> is given; every part optional.</summary>
public sealed record DiagnosisRequest
{
    /// <summary>A message-trace reason, queue LastError or NDR line.</summary>
    public string? Reason { get; init; }

    /// <summary>Protocol-log files or folders (SmtpReceive/SmtpSend, Exchange's or MailFlow's).</summary>
    public IReadOnlyList<string> Logs { get; init; } = [];

    /// <summary><c>Get-ExchangeCertificate | fl</c> output.</summary>
    public string? Certificates { get; init; }

    /// <summary><c>Get-ReceiveConnector | fl</c> output.</summary>
    public string? Connectors { get; init; }

    /// <summary>The name the sender expects (its TlsDomain), when the reason does not say.</summary>
    public string? Expect { get; init; }

    /// <summary>
    /// Any other artefact an admin has: queue dumps (Get-Queue | fl, whose LastError is a reason), Windows
    /// event texts (12014 …), certificate-health output, transcripts. Each is read for what it is.
    /// </summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];

    /// <summary>A probe of the receiving server, made by the caller (<c>--probe HOST</c>).</summary>
    public Probe.ProbeReport? Probe { get; init; }

    /// <summary>Told the bytes of log read so far, for a progress display over large inputs.</summary>
    public IProgress<long>? LogBytesRead { get; init; }
}

/// <summary>One piece of evidence: where it is (file:line, or "reason") and what it says.</summary>
public sealed record Evidence(string Source, string Says);

/// <summary>A root cause the evidence supports, with what is still missing to be sure and the exact fix.</summary>
public sealed record Finding(string RootCause, string Title, Confidence Confidence, IReadOnlyList<Evidence> Evidence, IReadOnlyList<string> Missing, IReadOnlyList<string> Fix)
{
    /// <summary>Root causes this finding excludes when it is High: RC09 proven means the receiver sent what it was told to, so not RC01.</summary>
    public IReadOnlyList<string> Outranks { get; init; } = [];
}

/// <summary>One input and what came of it: how much was read, or why nothing was.</summary>
public sealed record InputRead(string Source, string Kind, int Items, string? Problem = null)
{
    public bool Usable => Items > 0 && Problem is null;
}

/// <summary>Exchange's selection replayed on the dumps for one connector, next to what the logs show it presented.</summary>
public sealed record ConnectorPrediction(string Connector, string SearchedFor, string? PredictedThumbprint, string? PredictedSubject, string? LoggedThumbprint, string? LoggedSubject)
{
    public bool? Agrees => LoggedThumbprint is null || PredictedThumbprint is null ? null : string.Equals(LoggedThumbprint, PredictedThumbprint, StringComparison.OrdinalIgnoreCase);
}

/// <summary>One protocol-log session's TLS conversation, for the timeline.</summary>
public sealed record SessionSummary(string Connector, string SessionId, string? Remote, DateTime Start, string? Ehlo, bool StartTlsOffered, string? CertificateSubject, string? CertificateThumbprint, string? TlsResult, IReadOnlyList<string> Lines)
{
    /// <summary>The local endpoint the session was logged on (address:port as the log writes it): which server answered.</summary>
    public string? Server { get; init; }
}

/// <summary>
/// A configuration or certificate change seen in the evidence, at a time. Server and Connector say where;
/// both null means it applies everywhere (the report draws it across every lane).
/// </summary>
public sealed record ObservedChange(DateTime At, string? Server, string? Connector, string What);

public sealed record Diagnosis(
    ParsedReason? Reason,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<ConnectorPrediction> Predictions,
    int SessionsRead,
    IReadOnlyList<string> Malformed,
    IReadOnlyList<string> Notes)
{
    /// <summary>Up to 50 sessions that touched TLS, oldest first.</summary>
    public IReadOnlyList<SessionSummary> Sessions { get; init; } = [];

    /// <summary>Certificate changes per server and connector, oldest first.</summary>
    public IReadOnlyList<ObservedChange> Changes { get; init; } = [];

    /// <summary>Every input given, and what was read from it.</summary>
    public IReadOnlyList<InputRead> Inputs { get; init; } = [];

    /// <summary>True when no input gave anything to reason on: the caller should fail rather than report "nothing found".</summary>
    public bool NothingRead => Inputs.All(i => !i.Usable);
}
