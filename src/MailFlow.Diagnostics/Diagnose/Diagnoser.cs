using MailFlow.Certificates.Names;
using MailFlow.Diagnostics.Artefacts;
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

        var notes = new List<string>(context.Repairs.Take(20).Select(r => "repaired: " + r));
        if (context.Repairs.Count > 20)
        {
            notes.Add($"repaired: {context.Repairs.Count - 20} more line(s)");
        }

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
                    (s.Outbound ? s.CertificateReceived : s.CertificateSent)?.Thumbprint, s.TlsResult, s.Lines.Take(40).Select(l => $"{l} {l.Text}").ToList())
                { Server = s.Outbound ? s.RemoteEndpoint : s.LocalEndpoint })
                .ToList(),
            Changes = context.History.Changes,
            Inputs = inputs,
        };
    }

    /// <summary>
    /// Every input into one context. Files and folders given as logs or evidence are classified by content
    /// (<see cref="ArtefactClassifier"/>) and each read for what it is; each input's yield is recorded so an
    /// empty or unreadable one is reported by name.
    /// </summary>
    private static DiagnosisContext Read(DiagnosisRequest request, List<InputRead> inputs, out List<string> malformed, out List<ProtocolSession> sessions)
    {
        var reader = new ExchangeLogReader { BytesRead = request.LogBytesRead };
        var artefacts = request.Logs.Concat(request.Evidence).SelectMany(ArtefactClassifier.ClassifyAll).DistinctBy(a => a.File).ToList();
        var logs = new List<(string File, bool Headed)>();
        var statements = new List<(string Text, SourceLine Source)>();
        var certificates = new List<DumpedObject>();
        var connectors = new List<DumpedObject>();
        var health = new List<CertificateHealthFinding>();
        var transcripts = new List<ServerObservation>();
        var repairs = new List<string>();
        var unreadable = new List<string>();
        malformed = unreadable;
        foreach (var artefact in artefacts)
        {
            switch (artefact.Kind)
            {
                case ArtefactKind.SmtpReceiveLog or ArtefactKind.SmtpSendLog or ArtefactKind.ProtocolLog or ArtefactKind.MessageTrackingLog:
                    logs.Add((artefact.File, StartsWithHeader(artefact.File)));
                    break;
                case ArtefactKind.Transcript:
                    var transcript = TranscriptReader.Read(artefact.File);
                    repairs.AddRange(transcript.Repairs);
                    if (ServerObservation.Of(transcript) is { } seen)
                    {
                        transcripts.Add(seen);
                    }

                    inputs.Add(new InputRead(artefact.File, "transcript", transcript.IsTranscript ? 1 : 0, transcript.IsTranscript ? null : "no banner, EHLO reply or STARTTLS answer"));
                    break;
                case ArtefactKind.ExchangeCertificateDump:
                    Dump(artefact.File, "Get-ExchangeCertificate | fl", "Thumbprint", certificates, inputs, malformed);
                    break;
                case ArtefactKind.ReceiveConnectorDump or ArtefactKind.SendConnectorDump:
                    Dump(artefact.File, artefact.Kind == ArtefactKind.SendConnectorDump ? "Get-SendConnector | fl" : "Get-ReceiveConnector | fl", "Identity", connectors, inputs, malformed);
                    break;
                case ArtefactKind.CertificateHealth:
                    var found = CertificateHealthReader.Read(artefact.File);
                    health.AddRange(found);
                    inputs.Add(new InputRead(artefact.File, "certificate health", found.Count, found.Count == 0 ? "no chain or revocation status recognised" : null));
                    break;
                case ArtefactKind.EventText or ArtefactKind.Reason:
                    var read = Statements.Read(artefact.File);
                    statements.AddRange(read);
                    inputs.Add(new InputRead(artefact.File, artefact.Kind == ArtefactKind.EventText ? "event text" : "reason text", read.Count, read.Count == 0 ? "no status code, reason, event or TLS failure text recognised" : null));
                    break;
                default:
                    // Not a log, dump or transcript; a line or two of it may still say what failed.
                    var said = artefact.Why.Contains("binary", StringComparison.OrdinalIgnoreCase) ? [] : Statements.Read(artefact.File);
                    statements.AddRange(said);
                    inputs.Add(said.Count > 0 ? new InputRead(artefact.File, "text", said.Count) : new InputRead(artefact.File, "unusable", 0, artefact.Why));
                    break;
            }
        }

        // One pass: protocol rows become sessions; the latest deferral or failure of a message-tracking log
        // given among the logs stands in for --reason when there is none (custom-data holds Exchange
        // Online's reason, recipient-status the LED). Headed files stream through the strict reader;
        // pastes without a header go through the tolerant one, whose repairs are reported.
        (LogRow? Row, string? Text) tracked = default;
        var perFile = new Dictionary<string, int>();
        IEnumerable<LogRow> ProtocolRows()
        {
            foreach (var (file, headed) in logs)
            {
                perFile[file] = 0;
                IEnumerable<LogRow> rows;
                if (headed)
                {
                    rows = reader.Read(file);
                }
                else
                {
                    var tolerant = TolerantLogReader.Read(file);
                    repairs.AddRange(tolerant.Repairs);
                    unreadable.AddRange(tolerant.Unreadable);
                    rows = tolerant.Rows;
                }

                foreach (var row in rows)
                {
                    if (row["event-id"] is { Length: > 0 } eventId)
                    {
                        perFile[file]++;
                        if (eventId is "DEFER" or "FAIL" && (NonEmpty(row["custom-data"]) ?? row["recipient-status"]?.Split(';')[0]) is { } text)
                        {
                            tracked = (row, text);
                        }
                    }
                    else if (row["session-id"] is not null)
                    {
                        perFile[file]++;
                        yield return row;
                    }
                }
            }
        }

        sessions = ProtocolLogSessions.Read(ProtocolRows()).ToList();
        malformed.InsertRange(0, reader.Malformed);

        // A "log" without rows is often a pasted line or two ("TLS negotiation failed with error NoCredentials"):
        // read it, like every other text, for the statements it makes.
        foreach (var (file, rows) in perFile)
        {
            var read = rows == 0 ? Statements.Read(file) : [];
            statements.AddRange(read);
            inputs.Add(rows > 0 ? new InputRead(file, "log", rows)
                : new InputRead(file, "text", read.Count, read.Count == 0 ? "no protocol-log or message-tracking rows and no status or failure text" : null));
        }

        // A dump named explicitly and also found in a folder given is read once.
        if (request.Certificates is not null && !artefacts.Any(a => Path.GetFullPath(a.File) == Path.GetFullPath(request.Certificates)))
        {
            Dump(request.Certificates, "Get-ExchangeCertificate | fl", "Thumbprint", certificates, inputs, malformed);
        }

        if (request.Connectors is not null && !artefacts.Any(a => Path.GetFullPath(a.File) == Path.GetFullPath(request.Connectors)))
        {
            Dump(request.Connectors, "Get-ReceiveConnector | fl", "Identity", connectors, inputs, malformed);
        }

        // The reason given wins; then a tracking log's latest deferral; then the first statement of the other texts.
        var reasonText = request.Reason ?? tracked.Text ?? (statements.Count > 0 ? statements[0].Text : null);
        var reasonSource = request.Reason is not null ? "reason" : tracked.Row is not null ? $"{tracked.Row.File}:{tracked.Row.Line}" : statements.Count > 0 ? statements[0].Source.ToString() : "reason";
        var reason = reasonText is null ? null : ReasonParser.Parse(reasonText);
        var others = statements.Where(s => s.Text != reasonText).Select(s => ReasonParser.Parse(s.Text)).ToList();
        if (request.Reason is not null)
        {
            var facts = ReasonFacts.Of(reason!);
            var recognised = reason!.SmtpCode is not null || facts.Codes.Count > 0 || facts.Token is not null || facts.TlsError is not null || Statements.IsTelling(request.Reason);
            inputs.Add(new InputRead("reason", "reason", recognised ? 1 : 0, recognised ? null : "no status code, token or TLS error recognised"));
        }

        if (request.Probe is { } probe)
        {
            inputs.Add(new InputRead($"probe {probe.Host}", "probe", probe.Addresses.Count, probe.Addresses.Count == 0 ? "no address answered" : null));
        }

        var expected = request.Expect ?? reason?.ExpectedSubject ?? reason?.TargetHost ?? reason?.OutboundProxyTargetHostName;
        var observations = sessions.Select(ServerObservation.Of).Concat(transcripts).ToList();
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
            Health = health,
            Repairs = repairs,
            Probe = request.Probe,
            LogsGiven = logs.Count > 0,
            CertificatesGiven = certificates.Count > 0,
            ConnectorsGiven = connectors.Count > 0,
        };
    }

    private static void Dump(string file, string kind, string key, List<DumpedObject> into, List<InputRead> inputs, List<string> malformed)
    {
        var objects = FormatListReader.Read(file, malformed).Where(o => o[key] is not null).ToList();
        into.AddRange(objects);
        inputs.Add(new InputRead(file, kind, objects.Count, objects.Count == 0 ? $"no object with a {key}" : null));
    }

    /// <summary>Whether the file opens with Exchange's <c>#</c> header lines, so the fast strict reader applies.</summary>
    private static bool StartsWithHeader(string file)
    {
        using var stream = new StreamReader(file);
        return stream.ReadLine()?.TrimStart('\uFEFF').StartsWith('#') == true;
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
        // Capped findings keep their reason-only strength as the tie-break, so "UntrustedRoot" still puts RC06 before RC01.
        var best = raw
            .Select(f => (Finding: capReasonOnly && ReasonOnly(f) && f.Confidence == Confidence.High ? f with { Confidence = Confidence.Medium } : f, Strength: f.Confidence))
            .GroupBy(f => f.Finding.RootCause)
            .Select(g => g.OrderByDescending(f => f.Finding.Confidence).ThenBy(f => ReasonOnly(f.Finding)).ThenByDescending(f => f.Strength).ThenByDescending(f => f.Finding.Evidence.Count).First())
            .ToList();
        var excluded = best.Where(f => f.Finding.Confidence == Confidence.High).SelectMany(f => f.Finding.Outranks).ToHashSet();
        return best.Where(f => !excluded.Contains(f.Finding.RootCause))
            .OrderByDescending(f => f.Finding.Confidence).ThenBy(f => ReasonOnly(f.Finding)).ThenByDescending(f => f.Strength).ThenBy(f => f.Finding.RootCause, StringComparer.Ordinal)
            .Select(f => f.Finding)
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
