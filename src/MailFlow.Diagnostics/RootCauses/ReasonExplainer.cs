using MailFlow.Diagnostics.Reasons;

namespace MailFlow.Diagnostics.RootCauses;

public enum Confidence
{
    Low,
    Medium,
    High,
}

/// <summary>A root cause the reason points to: why, and what would confirm it.</summary>
public sealed record Candidate(RootCause Cause, Confidence Confidence, string Because, string ConfirmWith);

/// <summary>What <c>mailflow explain</c> prints: the parsed fields, the meaning of each code, the likely causes.</summary>
public sealed record Explanation(ParsedReason Reason, IReadOnlyList<StatusCodeMeaning> Codes, IReadOnlyList<Candidate> Candidates, IReadOnlyList<string> Notes);

/// <summary>
/// Ranks root causes from what one reason string can tell (root-causes.md §1 "evidence" column). A
/// reason alone never proves a cause; each candidate says what would confirm it — which log line,
/// which command — so the admin knows what to collect for <c>mailflow diagnose</c>.
/// </summary>
public static class ReasonExplainer
{
    public static Explanation Explain(string? text)
    {
        var reason = ReasonParser.Parse(text);
        var codes = new List<StatusCodeMeaning>();
        for (var r = reason; r is not null; r = r.Nested)
        {
            if (StatusCodes.Describe(r.EnhancedCode) is { } meaning && !codes.Contains(meaning))
            {
                codes.Add(meaning);
            }
        }

        var candidates = new List<Candidate>();
        void Add(string id, Confidence confidence, string because, string confirm)
        {
            if (candidates.All(c => c.Cause.Id != id))
            {
                candidates.Add(new Candidate(RootCauseCatalog.All[id], confidence, because, confirm));
            }
        }

        var all = Flatten(reason).ToList();
        var token = all.Select(r => r.Token).FirstOrDefault(t => t is not null);
        var tlsError = all.Select(r => r.TlsError).FirstOrDefault(t => t is not null);
        var enhanced = all.Select(r => r.EnhancedCode).Where(c => c is not null).ToList();
        var texts = string.Join(" | ", all.Select(r => r.Text).Where(t => t is not null));
        var host = reason.TargetHost ?? "the target";

        switch (token?.ToUpperInvariant())
        {
            case "SUBJECTMISMATCH":
                Add("RC01", Confidence.High, $"SubjectMismatch: the certificate {host} presented does not carry the expected name",
                    $"the SmtpReceive log of the server behind {host}: the 'Sending certificate' record under connector Default Frontend shows which certificate it sent (CN=<SERVER> means self-signed); Get-ReceiveConnector | fl Identity,TlsCertificateName");
                Add("RC02", Confidence.Medium, "the same mismatch can come from one of several servers behind the name",
                    $"probe every address of {host} (mailflow probe {host} --expect {reason.ExpectedSubject ?? host}); compare TlsCertificateName on every receiving server");
                Add("RC09", Confidence.Low, "or the sender expects a name the right certificate does not carry",
                    "Get-OutboundConnector | fl TlsDomain,TlsSettings against the certificate's CertificateDomains");
                Add("RC10", Confidence.Low, "or a device in front of Exchange answered with its own certificate",
                    "compare the presented thumbprint with Get-ExchangeCertificate on every server");
                break;
            case "UNTRUSTEDROOT":
                Add("RC06", Confidence.High, "UntrustedRoot: the chain the server sent does not reach a root Exchange Online trusts (it does not fetch missing intermediates)",
                    $"mailflow probe {host}: how many certificates the server sends, and whether the chain builds without fetching");
                Add("RC01", Confidence.Medium, "a self-signed certificate (the default CN=<SERVER>) also ends in an untrusted root",
                    "the SmtpReceive 'Certificate subject' record: CN=<SERVER> means the self-signed default was sent");
                Add("RC10", Confidence.Low, "or a device in front of Exchange presents a certificate from a private CA", "compare the presented thumbprint with Get-ExchangeCertificate");
                break;
            case "NOTTIMEVALID" or "EXPIRED" or "CERTIFICATEEXPIRED":
                Add("RC05", Confidence.High, $"{token}: the presented certificate is outside its validity period", $"mailflow probe {host}: NotAfter of the presented certificate");
                break;
            case "REVOKED" or "REVOCATIONSTATUSUNKNOWN" or "OFFLINEREVOCATION":
                Add("RC07", Confidence.High, $"{token}: the certificate's revocation check failed", "Get-ExchangeCertificate | fl Thumbprint,Status; Test-Certificate on the server");
                break;
        }

        if (enhanced.Contains("4.7.320") && token is null)
        {
            Add("RC01", Confidence.Medium, "4.7.320 without a token: certificate validation failed, most often because of the certificate presented", "the message trace detail (the MSG item) or the SmtpReceive certificate records");
            Add("RC05", Confidence.Low, "an expired certificate gives the same code", $"mailflow probe {host}");
            Add("RC06", Confidence.Low, "so does a missing intermediate", $"mailflow probe {host}");
        }

        if (texts.Contains("STARTTLS is required", StringComparison.OrdinalIgnoreCase) || texts.Contains("STARTTLS command first", StringComparison.OrdinalIgnoreCase) || enhanced.Contains("5.7.3"))
        {
            Add("RC03", Confidence.High, "the receiver did not get a TLS session although TLS is required: STARTTLS was not offered, typically because TlsCertificateName names a certificate that is gone (event 12014)",
                "Application log event 12014 on the receiving server; the EHLO reply (mailflow probe) lacks STARTTLS; Get-ExchangeCertificate against TlsCertificateName");
            Add("RC11", Confidence.Medium, "a firewall's SMTP inspection can strip STARTTLS from the EHLO reply", "mailflow probe: a masked banner (220 ****) or XXXXA in place of STARTTLS");
            Add("RC12", Confidence.Low, "a TLS version mismatch ends the same way on the sending side", "SmtpSend 'TLS negotiation failed with error SocketError'");
        }

        if (texts.Contains("could not find a certificate", StringComparison.OrdinalIgnoreCase))
        {
            Add("RC03", Confidence.High, "event 12014: the certificate named by TlsCertificateName (or the FQDN) is not in the store, so STARTTLS is not offered",
                "Get-ExchangeCertificate | fl Issuer,Subject,Services against Get-ReceiveConnector | fl TlsCertificateName");
            Add("RC19", Confidence.Low, "or TlsCertificateName is malformed", "check it has the <I>issuer<S>subject form");
        }

        if (enhanced.Contains("4.7.5") || string.Equals(tlsError, "NoCredentials", StringComparison.OrdinalIgnoreCase) || texts.Contains("TlsCertificateName of the SendConnector", StringComparison.OrdinalIgnoreCase))
        {
            var legacy = texts.Contains("PRX5", StringComparison.OrdinalIgnoreCase);
            Add(legacy ? "RC20" : "RC04", Confidence.High, legacy ? "PRX5 with 454 4.7.5: Exchange 2013 ≤ CU8 and Exchange Online's certificate change" : "the send connector's TlsCertificateName names no usable certificate (NoCredentials: no private key)",
                "Get-SendConnector | fl TlsCertificateName against Get-ExchangeCertificate | fl Thumbprint,HasPrivateKey,Services,Status");
            Add("RC15", Confidence.Low, "a send connector without TlsCertificateName or Fqdn falls back to the computer name", "Get-SendConnector | fl Fqdn,TlsCertificateName");
        }

        if (texts.Contains("PRX5", StringComparison.OrdinalIgnoreCase))
        {
            Add("RC20", Confidence.High, "PRX5: Exchange 2013 ≤ CU8 rejected Exchange Online's current certificate", "Get-ReceiveConnector | fl TlsDomainCapabilities; the Exchange build number");
        }

        if (string.Equals(tlsError, "SocketError", StringComparison.OrdinalIgnoreCase) || texts.Contains("Connection dropped due to SocketError", StringComparison.OrdinalIgnoreCase))
        {
            Add("RC12", Confidence.High, "SocketError during TLS: usually TLS 1.2 disabled or no common protocol", "mailflow probe --tls 1.2 and --tls 1.3; HealthChecker TLSConfigurationCheck; SP_PROT_TLS1_0 in SmtpSend success lines");
            Add("RC13", Confidence.Low, "or no cipher suite in common", "mailflow probe: a handshake_failure alert");
        }

        if (string.Equals(tlsError, "InvalidToken", StringComparison.OrdinalIgnoreCase))
        {
            Add("RC12", Confidence.Medium, "InvalidToken: the TLS handshake broke (protocol or cipher mismatch)", "mailflow probe with --tls 1.2 and 1.3");
            Add("RC11", Confidence.Medium, "a firewall that inspects SMTP can break the handshake", "mailflow probe: masked banner or EHLO keywords");
            Add("RC13", Confidence.Low, "or no cipher suite in common", "mailflow probe");
        }

        foreach (var code in enhanced)
        {
            switch (code)
            {
                case "4.4.312" or "4.4.315" or "4.4.316" or "5.4.310":
                    Add("RC21", Confidence.High, $"{code}: the connection never reached SMTP (DNS, timeout or refusal), so TLS is not involved",
                        "resolve the smart host/MX; test port 25 from outside; check the firewall allows Exchange Online's addresses");
                    break;
                case "4.4.318":
                    Add("RC11", Confidence.Medium, "4.4.318: the connection was cut; SMTP inspection on a firewall is the usual suspect", "mailflow probe: masked banner (220 ****) or XXXXA keywords");
                    Add("RC21", Confidence.Medium, "or the server or network dropped it", "the SmtpReceive log for sessions from Exchange Online's addresses at that time");
                    break;
                case "5.7.64" or "5.7.51":
                    Add("RC16", Confidence.High, $"{code}: Exchange Online's inbound connector did not recognise the sender", "Get-InboundConnector | fl TlsSenderCertificateName,SenderIPAddresses; the SmtpSend 'Sending certificate' record");
                    Add("RC06", Confidence.Low, "an on-premises chain with a missing intermediate also fails attribution", "the CAPI2 log / Test-Certificate on the send connector's certificate");
                    break;
                case "4.7.321" or "4.7.322" or "4.7.323" or "4.7.324" or "4.7.325" or "4.4.8" or "5.7.5":
                    Add("RC22", Confidence.High, $"{code}: DANE or MTA-STS enforcement failed", "the destination's TLSA records or MTA-STS policy");
                    break;
            }
        }

        if (enhanced.Contains("4.7.5") && texts.Contains("MTA-STS", StringComparison.OrdinalIgnoreCase))
        {
            Add("RC22", Confidence.High, "MTA-STS validation failed", "the destination's MTA-STS policy and certificate");
        }

        var notes = new List<string>();
        if (reason.Truncated)
        {
            notes.Add("the text is cut off: values at the end may be incomplete");
        }

        if (reason.Redacted.Count > 0)
        {
            notes.Add($"redacted by whoever published it: {string.Join(", ", reason.Redacted)}");
        }

        if (enhanced.Contains("4.4.7"))
        {
            notes.Add("4.4.7 only says the message expired; the deferrals before it (message trace DEFER events, or the queue's LastError) carry the cause — explain those");
        }

        if (reason.Format == ReasonFormat.Unknown || (candidates.Count == 0 && codes.Count == 0))
        {
            notes.Add("no known code or token was recognised; parsed what could be read — collect the message trace detail, the SmtpReceive/SmtpSend logs and run mailflow diagnose");
        }

        return new Explanation(reason, codes, candidates.OrderByDescending(c => c.Confidence).ToList(), notes);
    }

    private static IEnumerable<ParsedReason> Flatten(ParsedReason reason)
    {
        for (var r = reason; r is not null; r = r.Nested)
        {
            yield return r;
        }
    }
}
