using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Names;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Diagnostics.Reasons;
using MailFlow.Diagnostics.RootCauses;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Diagnose;

/// <summary>
/// Correlates a reason, protocol logs and configuration dumps (root-causes.md §4.3): the reason names the
/// host and the failure; the SmtpReceive log shows which certificate each connector actually sent; the
/// certificate dump shows which certificate should have been sent; the connector dump shows why it was
/// not. Each finding cites file:line and prints the fix with the real thumbprint and connector.
/// </summary>
public static class Diagnoser
{
    public static Diagnosis Run(DiagnosisRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reader = new ExchangeLogReader { BytesRead = request.LogBytesRead };
        var files = request.Logs.SelectMany(p => Directory.Exists(p) ? ExchangeLogReader.Files(p) : [p]).ToList();
        // One pass: protocol rows become sessions; the latest deferral or failure of a message-tracking log
        // given among the logs stands in for --reason when there is none (custom-data holds Exchange
        // Online's reason, recipient-status the LED).
        (LogRow? Row, string? Text) tracked = default;
        IEnumerable<LogRow> ProtocolRows()
        {
            foreach (var row in files.SelectMany(reader.Read))
            {
                if (row["event-id"] is "DEFER" or "FAIL" && (NonEmpty(row["custom-data"]) ?? row["recipient-status"]?.Split(';')[0]) is { } text)
                {
                    tracked = (row, text);
                }
                else if (row["session-id"] is not null)
                {
                    yield return row;
                }
            }
        }

        // The server certificate rules look at the receiving side only: in an SmtpSend log the certificate
        // "sent" is the sender's client certificate.
        var sessions = ProtocolLogSessions.Read(ProtocolRows()).Where(s => !s.Outbound).ToList();
        var reasonText = request.Reason ?? tracked.Text;
        var explanation = reasonText is null ? null : ReasonExplainer.Explain(reasonText);
        var reason = explanation?.Reason;
        var malformed = new List<string>(reader.Malformed);
        var certificates = request.Certificates is null ? [] : FormatListReader.Read(request.Certificates, malformed).Where(o => o["Thumbprint"] is not null).ToList();
        var connectors = request.Connectors is null ? [] : FormatListReader.Read(request.Connectors, malformed).Where(o => o["Identity"] is not null).ToList();
        var expected = request.Expect ?? reason?.ExpectedSubject ?? reason?.TargetHost ?? reason?.OutboundProxyTargetHostName;
        var predictions = connectors.Select(c => Predict(c, certificates, sessions)).ToList();

        var findings = new List<Finding>();
        var reasonSource = request.Reason is null && tracked.Row is not null ? $"{tracked.Row.File}:{tracked.Row.Line}" : "reason";
        DifferentServers(findings, sessions, expected);
        WrongExpectedName(findings, reason, reasonSource, expected, sessions, certificates, connectors);
        UntrustedIssuer(findings, reason, reasonSource, expected, sessions, certificates, connectors);
        WrongCertificate(findings, request, reason, reasonSource, expected, sessions, certificates, connectors);
        StaleOrInvalidName(findings, certificates, connectors, sessions);
        TlsNotOffered(findings, connectors, sessions);
        UnknownThumbprint(findings, reason, sessions, certificates);
        Expired(findings, reason, certificates, expected);
        FromProbe(findings, request.Probe);
        foreach (var candidate in explanation?.Candidates ?? [])
        {
            if (findings.All(f => f.RootCause != candidate.Cause.Id && !RulesOut(f, candidate.Cause.Id)))
            {
                findings.Add(new Finding(candidate.Cause.Id, candidate.Cause.Title, candidate.Confidence == Confidence.High ? Confidence.Medium : candidate.Confidence,
                    [new Evidence("reason", candidate.Because)], [candidate.ConfirmWith], [candidate.Cause.Fix]));
            }
        }

        var notes = new List<string>();
        if (findings.Count == 0)
        {
            notes.Add("the evidence points nowhere yet; collect: the message trace reason (Get-MessageTraceDetail), the SmtpReceive protocol logs of every receiving server (Verbose logging on Default Frontend), Get-ExchangeCertificate | fl and Get-ReceiveConnector | fl");
        }

        return new Diagnosis(reason, findings.OrderByDescending(f => f.Confidence).ToList(), predictions, sessions.Count, malformed, notes)
        {
            Sessions = sessions.Where(s => s.CertificateSent is not null || s.TlsResult is not null || s.StartTlsOffered).Take(50)
                .Select(s => new SessionSummary(s.ConnectorId, s.SessionId, s.RemoteEndpoint, s.Start, s.Ehlo, s.StartTlsOffered, s.CertificateSent?.Subject, s.CertificateSent?.Thumbprint, s.TlsResult,
                    s.Lines.Take(40).Select(l => $"{l} {l.Text}").ToList()) { Server = s.LocalEndpoint })
                .ToList(),
        };
    }

    /// <summary>
    /// RC09: the receiver sent the certificate it was configured to send, but the sender expected another
    /// name. Two tells: the certificate the logs show carries the host the sender connected to (so the
    /// sender's TlsDomain, not the host, is what failed); or no certificate in the dump carries the expected
    /// name while the one sent is the one the connector names.
    /// </summary>
    private static void WrongExpectedName(List<Finding> findings, ParsedReason? reason, string reasonSource, string? expected, IReadOnlyList<ProtocolSession> sessions, List<DumpedObject> certificates, List<DumpedObject> connectors)
    {
        if (reason is null || expected is null || !(reason.Token is "SubjectMismatch" || reason.Token is null && reason.InnermostEnhancedCode == "4.7.320")
            || !ReferenceIdentifier.TryParse(expected, allowSubdomainPattern: false, out var reference, out _))
        {
            return;
        }

        var host = reason.TargetHost ?? reason.OutboundProxyTargetHostName;
        var hostReference = host is not null && ReferenceIdentifier.TryParse(host, allowSubdomainPattern: false, out var parsedHost, out _) ? parsedHost : null;
        // The sessions the failing attempt could be: same thumbprint and same server address when the
        // reason gives them. Several different certificates among them is RC02's picture, not this one.
        var address = reason.TargetAddress?.Split(':')[0];
        var candidates = sessions.Where(s => s.CertificateSent is { } c
                && (reason.Thumbprint is null || string.Equals(c.Thumbprint, reason.Thumbprint, StringComparison.OrdinalIgnoreCase))
                && (address is null || s.LocalEndpoint is null || s.LocalEndpoint.Split(':')[0] == address))
            .ToList();
        var sent = candidates.LastOrDefault()?.CertificateSent;
        // A certificate carrying the expected name cannot be the mismatch, unless the expected name is only
        // the host (the brace form names no Expected Subject): then the sender must have expected another.
        if (sent is null || candidates.Select(s => s.CertificateSent!.Thumbprint).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1
            || Carries(sent, reference!) && !string.Equals(host, expected, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var evidence = new List<Evidence> { new(reasonSource, $"{reason.EnhancedCode} {reason.Token} for {expected}{(host is null ? string.Empty : " connecting to " + host)}") };
        var carriesHost = hostReference is not null && Carries(sent, hostReference);
        var intended = connectors.FirstOrDefault(c => certificates.Any(d => string.Equals(d["Thumbprint"], sent.Thumbprint, StringComparison.OrdinalIgnoreCase) && NamesCertificate(c["TlsCertificateName"], d)));
        var nobodyCarriesExpected = certificates.Count > 0 && !certificates.Any(c => c.List("CertificateDomains").Any(d => Matches(reference!, d)));
        if (carriesHost)
        {
            evidence.Add(new Evidence(sent.Source.ToString(), $"the server sent {sent.Subject} ({sent.Thumbprint}), which carries {host}, the host the sender connected to: the name the sender expected differs from the host"));
        }
        else if (intended is not null && nobodyCarriesExpected)
        {
            evidence.Add(new Evidence(sent.Source.ToString(), $"the server sent {sent.Subject} ({sent.Thumbprint}), names {string.Join(";", sent.AlternateNames)}"));
        }
        else
        {
            return;
        }

        if (intended is not null)
        {
            evidence.Add(new Evidence(intended.SourceOf("TlsCertificateName")!.ToString(), $"{intended["Identity"]} is configured to send exactly that certificate ({intended["TlsCertificateName"]})"));
        }

        if (nobodyCarriesExpected)
        {
            evidence.Add(new Evidence("certificates", $"none of the {certificates.Count} certificates in the dump carries {expected}"));
        }

        var name = sent.AlternateNames.FirstOrDefault(n => !n.StartsWith('*')) ?? host ?? "<a name in the certificate>";
        findings.Add(new Finding("RC09", RootCauseCatalog.All["RC09"].Title, carriesHost || intended is not null ? Confidence.High : Confidence.Medium, evidence,
            ["Get-OutboundConnector | fl TlsSettings,TlsDomain,SmartHosts on the sending tenant confirms the expected name"],
            [
                $"Set-OutboundConnector \"<connector>\" -TlsSettings DomainValidation -TlsDomain {name}",
                $"# on a MailFlow sender: mailflow connector send set \"<connector>\" --TlsDomain {name}",
            ]));
    }

    /// <summary>
    /// Evidence that settles one cause can exclude another the reason alone suggested: RC09 found means the
    /// receiver sent the certificate it was configured to send, so RC01 (the receiver sent the wrong one) is out.
    /// </summary>
    private static bool RulesOut(Finding finding, string cause) =>
        finding.Confidence == Confidence.High && finding.RootCause == "RC09" && cause == "RC01";

    /// <summary>RC01: a connector sent a certificate without the expected name while a certificate with that name sits unused.</summary>
    private static void WrongCertificate(List<Finding> findings, DiagnosisRequest request, ParsedReason? reason, string reasonSource, string? expected, IReadOnlyList<ProtocolSession> sessions, List<DumpedObject> certificates, List<DumpedObject> connectors)
    {
        // Already decided (RC01 in its UntrustedRoot form), or better explained: RC02 (one server fixed, another not), RC09 (the sender's name is wrong).
        if (findings.Any(f => f.RootCause is "RC01" or "RC02" or "RC09") || expected is null || !ReferenceIdentifier.TryParse(expected, allowSubdomainPattern: false, out var reference, out _))
        {
            return;
        }

        var evidence = new List<Evidence>();
        var missing = new List<string>();
        if (reason is not null)
        {
            evidence.Add(new Evidence(reasonSource, $"{reason.EnhancedCode} {reason.Token} for {expected}{(reason.LastRetryTime is null ? string.Empty : " at " + reason.LastRetryTime)}"));
        }

        var wrong = sessions.Where(s => s.CertificateSent is { } sent && !Carries(sent, reference!)).ToList();
        var offending = wrong.FirstOrDefault();
        if (offending?.CertificateSent is { } sentCertificate)
        {
            evidence.Add(new Evidence(sentCertificate.Source.ToString(), $"connector {offending.ConnectorId} sent {sentCertificate.Subject} (thumbprint {sentCertificate.Thumbprint}, names {string.Join(";", sentCertificate.AlternateNames)}) to {offending.RemoteEndpoint} at {offending.Start:u}; {wrong.Count} session(s) like it"));
        }
        else if (request.Logs.Count == 0)
        {
            missing.Add("the SmtpReceive protocol log of the receiving server (which certificate it actually sent)");
        }

        var good = certificates.FirstOrDefault(c => c.List("CertificateDomains").Any(d => Matches(reference!, d)) && c.List("Services").Contains("SMTP", StringComparer.OrdinalIgnoreCase))
            ?? certificates.FirstOrDefault(c => c.List("CertificateDomains").Any(d => Matches(reference!, d)));
        if (good is not null)
        {
            evidence.Add(new Evidence(good.SourceOf("Thumbprint")!.ToString(), $"certificate {good["Thumbprint"]} ({good["Subject"]}, issued by {good["Issuer"]}) carries {expected}; Services {good["Services"]}"));
        }
        else if (request.Certificates is null)
        {
            missing.Add("Get-ExchangeCertificate | fl (is a certificate for " + expected + " installed?)");
        }

        var connectorName = offending?.ConnectorId;
        var connector = connectors.FirstOrDefault(c => string.Equals(c["Identity"], connectorName, StringComparison.OrdinalIgnoreCase))
            ?? connectors.FirstOrDefault(c => c["Identity"]?.Contains("Default Frontend", StringComparison.OrdinalIgnoreCase) == true);
        if (connector is not null)
        {
            evidence.Add(new Evidence(connector.SourceOf("TlsCertificateName")?.ToString() ?? connector.SourceOf("Identity")!.ToString(),
                $"{connector["Identity"]} has TlsCertificateName {(connector["TlsCertificateName"] is { } name ? name : "empty (so Exchange searches for the connector FQDN " + connector["Fqdn"] + ")")}"));
        }
        else if (request.Connectors is null)
        {
            missing.Add("Get-ReceiveConnector | fl (is TlsCertificateName set on the connector that answered?)");
        }

        var sentWrong = offending is not null;
        var goodUnused = good is not null && (connector is null || connector["TlsCertificateName"] is null || !NamesCertificate(connector["TlsCertificateName"], good));
        var reasonSaysMismatch = reason?.Token is "SubjectMismatch" || reason?.InnermostEnhancedCode == "4.7.320";
        var score = (sentWrong ? 1 : 0) + (goodUnused ? 1 : 0) + (reasonSaysMismatch ? 1 : 0) + (connector is not null && connector["TlsCertificateName"] is null ? 1 : 0);
        if (score < 2)
        {
            return;
        }

        findings.Add(new Finding("RC01", RootCauseCatalog.All["RC01"].Title, score >= 3 && sentWrong && goodUnused ? Confidence.High : Confidence.Medium, evidence, missing,
            NameTheCertificate(connector, connectorName, good, expected)));
    }

    /// <summary>The article's three lines with the real thumbprint and connector, the restart of the right service, and the MailFlow equivalent.</summary>
    private static List<string> NameTheCertificate(DumpedObject? connector, string? connectorName, DumpedObject? good, string expected)
    {
        var identity = connector?["Identity"] ?? connectorName ?? "<SERVER>\\Default Frontend <SERVER>";
        var thumbprint = good?["Thumbprint"] ?? "<thumbprint of the certificate for " + expected + ">";
        var service = connector?["TransportRole"] is "HubTransport" ? "MSExchangeTransport" : "MSExchangeFrontEndTransport";
        return
        [
            $"$tlscert=Get-ExchangeCertificate {thumbprint}",
            "$tlscertname=\"<I>$($TLScert.Issuer)<S>$($TLSCert.Subject)\"",
            $"Get-ReceiveConnector \"{identity}\" | Set-ReceiveConnector -TlsCertificateName $tlscertname",
            $"Restart-Service {service}",
            $"# on a MailFlow server: mailflow connector receive set \"{identity}\" --TlsCertificateName \"<I>{good?["Issuer"] ?? "<issuer>"}<S>{good?["Subject"] ?? "<subject>"}\" && mailflow service restart",
        ];
    }

    /// <summary>
    /// RC01 in its UntrustedRoot form: the certificate sent carries the right name, but the sender does not
    /// trust its issuer (typically a company's own CA), while a certificate for the same name from another
    /// issuer is installed and unused. With a single certificate for the name this is RC06's picture instead.
    /// </summary>
    private static void UntrustedIssuer(List<Finding> findings, ParsedReason? reason, string reasonSource, string? expected, IReadOnlyList<ProtocolSession> sessions, List<DumpedObject> certificates, List<DumpedObject> connectors)
    {
        if (reason?.Token != "UntrustedRoot" || expected is null || !ReferenceIdentifier.TryParse(expected, allowSubdomainPattern: false, out var reference, out _))
        {
            return;
        }

        var session = sessions.LastOrDefault(s => s.CertificateSent is { } c && Carries(c, reference!));
        var sent = session?.CertificateSent;
        var connector = connectors.FirstOrDefault(c => string.Equals(c["Identity"], session?.ConnectorId, StringComparison.OrdinalIgnoreCase));
        var other = certificates.FirstOrDefault(c => !string.Equals(c["Thumbprint"], sent?.Thumbprint, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(c["Issuer"], sent?.Issuer, StringComparison.OrdinalIgnoreCase)
            && c.List("CertificateDomains").Any(d => Matches(reference!, d)) && c.List("Services").Contains("SMTP", StringComparer.OrdinalIgnoreCase) && c["HasPrivateKey"] != "False");
        if (sent is null || other is null)
        {
            return;
        }

        var evidence = new List<Evidence>
        {
            new(reasonSource, $"{reason.EnhancedCode} UntrustedRoot for {expected}: the sender did not trust the chain it was shown"),
            new(sent.Source.ToString(), $"connector {session!.ConnectorId} sent {sent.Subject} issued by {sent.Issuer} ({sent.Thumbprint})"),
            new(other.SourceOf("Thumbprint")!.ToString(), $"certificate {other["Thumbprint"]} for the same name, issued by {other["Issuer"]}, is installed with SMTP enabled and unused"),
        };
        if (connector?["TlsCertificateName"] is { } name)
        {
            evidence.Add(new Evidence(connector.SourceOf("TlsCertificateName")!.ToString(), $"{connector["Identity"]} names {name}"));
        }

        findings.Add(new Finding("RC01", RootCauseCatalog.All["RC01"].Title, Confidence.High, evidence,
            ["which roots the sender trusts: Exchange Online trusts public CAs only, not a company's own"], NameTheCertificate(connector, session.ConnectorId, other, expected)));
    }

    /// <summary>RC23: a connector whose AuthMechanism lacks Tls offered no STARTTLS in the sessions the log shows.</summary>
    private static void TlsNotOffered(List<Finding> findings, List<DumpedObject> connectors, IReadOnlyList<ProtocolSession> sessions)
    {
        foreach (var connector in connectors)
        {
            if (connector["AuthMechanism"] is not { } mechanisms || mechanisms.Split(',').Any(m => m.Trim().Equals("Tls", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var evidence = new List<Evidence> { new(connector.SourceOf("AuthMechanism")!.ToString(), $"{connector["Identity"]} has AuthMechanism {mechanisms}: no Tls, so no STARTTLS and no certificate") };
            var plain = sessions.LastOrDefault(s => string.Equals(s.ConnectorId, connector["Identity"], StringComparison.OrdinalIgnoreCase) && s.Ehlo is not null && !s.StartTlsOffered);
            if (plain is not null)
            {
                evidence.Add(new Evidence(plain.Lines[0].ToString(), $"session {plain.SessionId} from {plain.RemoteEndpoint}: the EHLO reply offered no STARTTLS"));
            }

            var fix = RootCauseCatalog.All["RC23"].Fix.Replace("<SRV>\\Default Frontend <SRV>", connector["Identity"], StringComparison.Ordinal);
            findings.Add(new Finding("RC23", RootCauseCatalog.All["RC23"].Title, plain is null ? Confidence.Medium : Confidence.High, evidence,
                plain is null ? ["the SmtpReceive log of a session from the sender (did the EHLO reply offer STARTTLS?)"] : [],
                [fix, $"# on a MailFlow server: mailflow connector receive set \"{connector["Identity"]}\" --AuthMechanism \"Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer\" && mailflow service restart"]));
        }
    }

    /// <summary>RC10: the thumbprint the sender saw is in no server's store and in no protocol log.</summary>
    private static void UnknownThumbprint(List<Finding> findings, ParsedReason? reason, List<ProtocolSession> sessions, List<DumpedObject> certificates)
    {
        var thumbprint = reason?.Thumbprint;
        if (thumbprint is null || certificates.Count == 0)
        {
            return;
        }

        var inStore = certificates.Any(c => string.Equals(c["Thumbprint"], thumbprint, StringComparison.OrdinalIgnoreCase));
        var inLogs = sessions.Any(s => string.Equals(s.CertificateSent?.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
        if (!inStore && !inLogs)
        {
            findings.Add(new Finding("RC10", RootCauseCatalog.All["RC10"].Title, sessions.Count > 0 ? Confidence.High : Confidence.Medium,
                [new Evidence("reason", $"the sender was shown certificate {thumbprint} ({reason!.PresentedSubject}), which is in none of the {certificates.Count} certificates of the dump{(sessions.Count > 0 ? $" and in none of {sessions.Count} logged sessions" : string.Empty)}")],
                sessions.Count > 0 ? [] : ["the SmtpReceive logs: if no session from the sender shows that thumbprint, a device answered"],
                [RootCauseCatalog.All["RC10"].Fix]));
        }
    }

    /// <summary>RC05: the token says expired, or the certificate carrying the expected name expired before the failure.</summary>
    private static void Expired(List<Finding> findings, ParsedReason? reason, List<DumpedObject> certificates, string? expected)
    {
        var evidence = new List<Evidence>();
        if (reason?.Token is { } token && token.Contains("expired", StringComparison.OrdinalIgnoreCase) || reason?.Token == "NotTimeValid" || reason?.InnermostEnhancedCode == "4.7.322")
        {
            evidence.Add(new Evidence("reason", $"the sender reports {reason!.Token ?? reason.InnermostEnhancedCode}"));
        }

        var when = reason?.LastRetryTime is { } lrt && DateTime.TryParse(lrt, System.Globalization.CultureInfo.GetCultureInfo("en-US"), System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : DateTime.UtcNow;
        foreach (var certificate in certificates.Where(c => expected is not null && c.List("CertificateDomains").Contains(expected, StringComparer.OrdinalIgnoreCase)))
        {
            if (DateTime.TryParse(certificate["NotAfter"], System.Globalization.CultureInfo.GetCultureInfo("en-US"), System.Globalization.DateTimeStyles.AssumeUniversal, out var notAfter) && notAfter < when)
            {
                evidence.Add(new Evidence(certificate.SourceOf("NotAfter")!.ToString(), $"certificate {certificate["Thumbprint"]} for {expected} expired on {certificate["NotAfter"]}"));
            }
        }

        if (evidence.Count > 0)
        {
            findings.Add(new Finding("RC05", RootCauseCatalog.All["RC05"].Title, evidence.Count > 1 ? Confidence.High : Confidence.Medium, evidence, [], [RootCauseCatalog.All["RC05"].Fix]));
        }
    }

    /// <summary>RC02: the same connector name on different servers (local endpoints) sent different certificates.</summary>
    private static void DifferentServers(List<Finding> findings, IReadOnlyList<ProtocolSession> sessions, string? expected)
    {
        var byServer = sessions.Where(s => s.CertificateSent?.Thumbprint is not null && s.LocalEndpoint is not null)
            .GroupBy(s => (s.LocalEndpoint!.Split(':')[0], s.CertificateSent!.Thumbprint!))
            .Select(g => g.First())
            .ToList();
        var servers = byServer.Select(s => s.LocalEndpoint!.Split(':')[0]).Distinct().Count();
        var thumbprints = byServer.Select(s => s.CertificateSent!.Thumbprint).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        if (servers > 1 && thumbprints > 1)
        {
            findings.Add(new Finding("RC02", RootCauseCatalog.All["RC02"].Title, Confidence.High,
                byServer.Select(s => new Evidence(s.CertificateSent!.Source.ToString(), $"server {s.LocalEndpoint} ({s.ConnectorId}) sent {s.CertificateSent!.Subject} ({s.CertificateSent.Thumbprint})")).ToList(),
                [], [RootCauseCatalog.All["RC02"].Fix + (expected is null ? string.Empty : $"; then mailflow probe {expected} should show the same certificate on every address")]));
        }
    }

    /// <summary>What a probe found, mapped to root causes.</summary>
    private static void FromProbe(List<Finding> findings, Probe.ProbeReport? probe)
    {
        if (probe is null)
        {
            return;
        }

        foreach (var (address, finding) in probe.Addresses.SelectMany(a => a.Findings.Select(f => (a.Address, f))).Concat(probe.Findings.Select(f => ("all addresses", f))))
        {
            var id = finding.Split(':')[0] switch
            {
                "missing-intermediate" => "RC06",
                "expired" or "not-yet-valid" => "RC05",
                "sni-differs" => "RC14",
                "addresses-differ" => "RC02",
                "starttls-not-offered" => "RC03",
                "banner-masked" or "ehlo-masked" => "RC11",
                _ => null,
            };
            if (id is not null && findings.All(f => f.RootCause != id))
            {
                findings.Add(new Finding(id, RootCauseCatalog.All[id].Title, Confidence.High, [new Evidence($"probe {probe.Host} [{address}]", finding)], [], [RootCauseCatalog.All[id].Fix]));
            }
        }
    }

    /// <summary>RC19 and RC03 from the dumps alone: a TlsCertificateName that does not parse, or names no certificate there.</summary>
    private static void StaleOrInvalidName(List<Finding> findings, List<DumpedObject> certificates, List<DumpedObject> connectors, IReadOnlyList<ProtocolSession> sessions)
    {
        foreach (var connector in connectors)
        {
            var name = connector["TlsCertificateName"];
            if (name is null)
            {
                continue;
            }

            var source = connector.SourceOf("TlsCertificateName")!.ToString();
            if (!SmtpX509Identifier.TryParse(name, out _, out var error))
            {
                findings.Add(new Finding("RC19", RootCauseCatalog.All["RC19"].Title, Confidence.High, [new Evidence(source, $"{connector["Identity"]}: {error}")], [],
                    [RootCauseCatalog.All["RC19"].Fix]));
            }
            else if (certificates.Count > 0 && !certificates.Any(c => NamesCertificate(name, c)))
            {
                var evidence = new List<Evidence> { new(source, $"{connector["Identity"]} names {name}, and no certificate in the dump has that issuer and subject") };
                var noStartTls = sessions.FirstOrDefault(s => string.Equals(s.ConnectorId, connector["Identity"], StringComparison.OrdinalIgnoreCase) && s.Ehlo is not null && !s.StartTlsOffered);
                if (noStartTls is not null)
                {
                    evidence.Add(new Evidence(noStartTls.Lines[0].ToString(), $"session {noStartTls.SessionId}: the EHLO reply offered no STARTTLS"));
                }

                findings.Add(new Finding("RC03", RootCauseCatalog.All["RC03"].Title, Confidence.High, evidence, ["Application log event 12014 on the server confirms it"], [RootCauseCatalog.All["RC03"].Fix]));
            }
        }
    }

    private static ConnectorPrediction Predict(DumpedObject connector, List<DumpedObject> certificates, IReadOnlyList<ProtocolSession> sessions)
    {
        var identity = connector["Identity"]!;
        var name = connector["TlsCertificateName"];
        DumpedObject? chosen;
        string searched;
        if (name is not null)
        {
            searched = name;
            chosen = certificates.Where(c => NamesCertificate(name, c)).OrderByDescending(c => c["NotAfter"]).FirstOrDefault();
        }
        else
        {
            searched = connector["Fqdn"] ?? "(no Fqdn)";
            chosen = ReferenceIdentifier.TryParse(searched, allowSubdomainPattern: false, out var reference, out _)
                ? certificates
                    .Where(c => c.List("CertificateDomains").Any(d => Matches(reference!, d)) && c.List("Services").Contains("SMTP", StringComparer.OrdinalIgnoreCase) && c["HasPrivateKey"] != "False")
                    .OrderBy(c => c["IsSelfSigned"] == "True") // CA-issued before self-signed
                    .FirstOrDefault()
                : null;
        }

        var logged = sessions.LastOrDefault(s => string.Equals(s.ConnectorId, identity, StringComparison.OrdinalIgnoreCase) && s.CertificateSent is not null)?.CertificateSent;
        return new ConnectorPrediction(identity, searched, chosen?["Thumbprint"], chosen?["Subject"], logged?.Thumbprint, logged?.Subject);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static bool Carries(LoggedCertificate certificate, ReferenceIdentifier reference) =>
        certificate.AlternateNames.Any(n => Matches(reference, n))
        || (certificate.AlternateNames.Count == 0 && certificate.Subject is { } subject && subject.Split(',').Select(p => p.Trim()).Any(p => p.StartsWith("CN=", StringComparison.OrdinalIgnoreCase) && Matches(reference, p[3..])));

    private static bool Matches(ReferenceIdentifier reference, string presented)
    {
        try
        {
            return CertificateNameMatcher.NameMatches(reference, presented.Trim(), null);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool NamesCertificate(string? tlsCertificateName, DumpedObject certificate) =>
        SmtpX509Identifier.TryParse(tlsCertificateName, out var id, out _)
        && certificate["Issuer"] is { } issuer && certificate["Subject"] is { } subject
        && id!.Equals(SmtpX509Identifier.Create(issuer, subject));
}
