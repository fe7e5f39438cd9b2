using MailFlow.Certificates.Names;
using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Diagnostics.Reasons;
using MailFlow.Diagnostics.RootCauses;
using MailFlow.Diagnostics.Rules;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Diagnose;

/// <summary>
/// Correlates a reason, protocol logs and configuration dumps (root-causes.md §4.3): reads every input
/// once into a <see cref="DiagnosisContext"/>, runs the rule catalogue (<see cref="RuleCatalog"/>, one
/// file per root cause) over it, and settles the findings: the strongest per root cause, causes a
/// proven one excludes removed, reason-only findings capped below what correlated evidence proves, and
/// a note in words when the evidence cannot separate the top two.
/// </summary>
public static class Diagnoser
{
    public static Diagnosis Run(DiagnosisRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var inputs = new List<InputRead>();
        var context = Read(request, inputs, out var malformed, out var sessions);
        var findings = Settle(RuleCatalog.All.SelectMany(r => r.Evaluate(context)), context, capReasonOnly: true);

        var notes = new List<string>();
        if (Ambiguity(findings) is { } ambiguous)
        {
            notes.Add(ambiguous);
        }

        var nothing = inputs.All(i => !i.Usable);
        if (nothing && inputs.Count > 0)
        {
            notes.Add("nothing usable was read: " + string.Join("; ", inputs.Where(i => !i.Usable).Take(10).Select(i => $"{i.Source} ({i.Problem ?? "nothing in it"})")));
        }
        else if (findings.Count == 0)
        {
            notes.Add("the evidence points nowhere yet; collect: the message trace reason (Get-MessageTraceDetail), the SmtpReceive protocol logs of every receiving server (Verbose logging on Default Frontend), the sending server's SmtpSend log, Get-ExchangeCertificate | fl and Get-ReceiveConnector | fl");
        }

        return new Diagnosis(context.Reason, findings, context.ReceiveConnectors.Select(c => Predict(c, context.Certificates, sessions)).ToList(), sessions.Count, malformed, notes)
        {
            Sessions = context.Observations.Where(s => s.ServerCertificate is not null || s.Session.TlsResult is not null || s.Offers("STARTTLS")).Take(50)
                .Select(o => o.Session)
                .Select(s => new SessionSummary(s.ConnectorId, s.SessionId, s.RemoteEndpoint, s.Start, s.Ehlo, s.StartTlsOffered, (s.Outbound ? s.CertificateReceived : s.CertificateSent)?.Subject,
                    (s.Outbound ? s.CertificateReceived : s.CertificateSent)?.Thumbprint, s.TlsResult, s.Lines.Take(40).Select(l => $"{l} {l.Text}").ToList()))
                .ToList(),
            Changes = context.History.Changes,
            Inputs = inputs,
        };
    }

    /// <summary>Every input into one context; each input's yield recorded so an empty or unreadable one is reported by name.</summary>
    private static DiagnosisContext Read(DiagnosisRequest request, List<InputRead> inputs, out List<string> malformed, out List<ProtocolSession> sessions)
    {
        var reader = new ExchangeLogReader { BytesRead = request.LogBytesRead };
        var files = request.Logs.SelectMany(p => Directory.Exists(p) ? ExchangeLogReader.Files(p) : [p]).ToList();
        foreach (var folder in request.Logs.Where(p => Directory.Exists(p) && !ExchangeLogReader.Files(p).Any()))
        {
            inputs.Add(new InputRead(folder, "folder", 0, "no .log files in it"));
        }

        // One pass: protocol rows become sessions; the latest deferral or failure of a message-tracking log
        // given among the logs stands in for --reason when there is none (custom-data holds Exchange
        // Online's reason, recipient-status the LED).
        (LogRow? Row, string? Text) tracked = default;
        var perFile = new Dictionary<string, int>();
        IEnumerable<LogRow> ProtocolRows()
        {
            foreach (var file in files)
            {
                perFile[file] = 0;
                foreach (var row in reader.Read(file))
                {
                    if (row["event-id"] is { Length: > 0 } eventId)
                    {
                        perFile[file]++;
                        if (eventId is "DEFER" or "FAIL" && (NonEmpty(row["custom-data"]) ?? row["recipient-status"]?.Split(';')[0]) is { } text)
                        {
                            tracked = (row, text);
                        }
                    }
                    else if (row["session-id"] is { Length: > 0 })
                    {
                        perFile[file]++;
                        yield return row;
                    }
                }
            }
        }

        sessions = ProtocolLogSessions.Read(ProtocolRows()).ToList();
        malformed = new List<string>(reader.Malformed);

        // A "log" without rows is often a pasted line or two ("TLS negotiation failed with error NoCredentials"):
        // read it, like every other text, for the statements it makes.
        var statements = new List<(string Text, SourceLine Source)>();
        foreach (var (file, rows) in perFile)
        {
            var read = rows == 0 ? Statements.Read(file) : [];
            statements.AddRange(read);
            inputs.Add(rows > 0 ? new InputRead(file, "log", rows)
                : new InputRead(file, "text", read.Count, read.Count == 0 ? "no protocol-log or message-tracking rows (is there a #Fields header?) and no status or failure text" : null));
        }

        foreach (var file in request.Evidence)
        {
            var read = Statements.Read(file);
            statements.AddRange(read);
            inputs.Add(new InputRead(file, "text", read.Count, read.Count == 0 ? "no status code, reason, event or TLS failure text recognised" : null));
        }

        // The reason given wins; then a tracking log's latest deferral; then the first statement of the other texts.
        var reasonText = request.Reason ?? tracked.Text ?? (statements.Count > 0 ? statements[0].Text : null);
        var reasonSource = request.Reason is not null ? "reason" : tracked.Row is not null ? $"{tracked.Row.File}:{tracked.Row.Line}" : statements.Count > 0 ? statements[0].Source.ToString() : "reason";
        var reason = reasonText is null ? null : ReasonParser.Parse(reasonText);
        var others = statements.Where(s => s.Text != reasonText).Select(s => ReasonParser.Parse(s.Text)).ToList();
        if (request.Reason is not null)
        {
            var recognised = reason!.Format != ReasonFormat.Unknown && (reason.SmtpCode is not null || reason.EnhancedCode is not null || reason.Token is not null || reason.TlsError is not null || reason.Text is not null);
            inputs.Add(new InputRead("reason", "reason", recognised ? 1 : 0, recognised ? null : "no code, token or text recognised"));
        }

        var certificates = request.Certificates is null ? [] : FormatListReader.Read(request.Certificates, malformed).Where(o => o["Thumbprint"] is not null).ToList();
        if (request.Certificates is not null)
        {
            inputs.Add(new InputRead(request.Certificates, "Get-ExchangeCertificate | fl", certificates.Count, certificates.Count == 0 ? "no object with a Thumbprint" : null));
        }

        var connectors = request.Connectors is null ? [] : FormatListReader.Read(request.Connectors, malformed).Where(o => o["Identity"] is not null).ToList();
        if (request.Connectors is not null)
        {
            inputs.Add(new InputRead(request.Connectors, "Get-ReceiveConnector | fl", connectors.Count, connectors.Count == 0 ? "no object with an Identity" : null));
        }

        if (request.Probe is { } probe)
        {
            inputs.Add(new InputRead($"probe {probe.Host}", "probe", probe.Addresses.Count, probe.Addresses.Count == 0 ? "no address answered" : null));
        }

        var expected = request.Expect ?? reason?.ExpectedSubject ?? reason?.TargetHost ?? reason?.OutboundProxyTargetHostName;
        var observations = sessions.Select(ServerObservation.Of).ToList();
        return new DiagnosisContext
        {
            Reason = reason,
            Facts = reason is null ? null : ReasonFacts.Of(reason, others),
            ReasonSource = reasonSource,
            Expected = expected,
            ExpectedName = expected is not null && ReferenceIdentifier.TryParse(expected, allowSubdomainPattern: false, out var name, out _) ? name : null,
            Observations = observations,
            Receiving = observations.Where(o => o.From == ObservedFrom.ReceivingServer).ToList(),
            Sending = observations.Where(o => o.From == ObservedFrom.SendingServer).ToList(),
            History = CertificateHistory.Of(observations),
            Certificates = certificates,
            Connectors = connectors,
            Probe = request.Probe,
            LogsGiven = request.Logs.Count > 0,
            CertificatesGiven = request.Certificates is not null,
            ConnectorsGiven = request.Connectors is not null,
        };
    }

    /// <summary>
    /// The strongest finding per root cause. In a diagnosis a finding citing only the reason is capped at
    /// Medium: a reason never proves a cause, and whatever else was given did not confirm it (explain,
    /// which has nothing else, ranks uncapped). A High finding's <see cref="Finding.Outranks"/>
    /// removes the causes it excludes. Ordered by confidence, correlated evidence before reason-only, then catalogue order.
    /// </summary>
    internal static List<Finding> Settle(IEnumerable<Finding> raw, DiagnosisContext context, bool capReasonOnly)
    {
        bool ReasonOnly(Finding f) => f.Evidence.All(e => e.Source == context.ReasonSource);
        var best = raw
            .Select(f => capReasonOnly && ReasonOnly(f) && f.Confidence == Confidence.High ? f with { Confidence = Confidence.Medium } : f)
            .GroupBy(f => f.RootCause)
            .Select(g => g.OrderByDescending(f => f.Confidence).ThenBy(ReasonOnly).ThenByDescending(f => f.Evidence.Count).First())
            .ToList();
        var excluded = best.Where(f => f.Confidence == Confidence.High).SelectMany(f => f.Outranks).ToHashSet();
        return best.Where(f => !excluded.Contains(f.RootCause))
            .OrderByDescending(f => f.Confidence).ThenBy(ReasonOnly).ThenBy(f => f.RootCause, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>When the top two are equally supported, say so and how to tell them apart, instead of implying an order.</summary>
    internal static string? Ambiguity(IReadOnlyList<Finding> findings)
    {
        if (findings.Count < 2 || findings[0].Confidence != findings[1].Confidence || findings[0].Confidence == Confidence.Low)
        {
            return null;
        }

        var (a, b) = (findings[0], findings[1]);
        var tell = string.Join("; ", new[] { a, b }.SelectMany(f => f.Missing.Take(1).Select(m => $"{f.RootCause}: {m}")));
        return $"ambiguous: {a.RootCause} ({a.Title}) or {b.RootCause} ({b.Title}); to tell them apart: {(tell.Length > 0 ? tell : "collect the logs of both sides and run diagnose again")}";
    }

    private static ConnectorPrediction Predict(DumpedObject connector, IReadOnlyList<DumpedObject> certificates, IReadOnlyList<ProtocolSession> sessions)
    {
        var identity = connector["Identity"]!;
        var name = connector["TlsCertificateName"];
        DumpedObject? chosen;
        string searched;
        if (name is not null)
        {
            searched = name;
            chosen = certificates.Where(c => DiagnosisContext.NamesCertificate(name, c)).OrderByDescending(c => c["NotAfter"]).FirstOrDefault();
        }
        else
        {
            searched = connector["Fqdn"] ?? "(no Fqdn)";
            chosen = ReferenceIdentifier.TryParse(searched, allowSubdomainPattern: false, out var reference, out _)
                ? certificates
                    .Where(c => c.List("CertificateDomains").Any(d => DiagnosisContext.Matches(reference!, d)) && c.List("Services").Contains("SMTP", StringComparer.OrdinalIgnoreCase) && c["HasPrivateKey"] != "False")
                    .OrderBy(c => c["IsSelfSigned"] == "True") // CA-issued before self-signed
                    .FirstOrDefault()
                : null;
        }

        var logged = sessions.LastOrDefault(s => string.Equals(s.ConnectorId, identity, StringComparison.OrdinalIgnoreCase) && s.CertificateSent is not null)?.CertificateSent;
        return new ConnectorPrediction(identity, searched, chosen?["Thumbprint"], chosen?["Subject"], logged?.Thumbprint, logged?.Subject);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
