using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC10: a TLS-terminating firewall, proxy or load balancer answers with its own certificate. Its tell
/// is a certificate that no Exchange server holds: a thumbprint in no dump and no SmtpReceive record, or
/// a certificate the sender received (SmtpSend "Received certificate") that differs from what the
/// receiving server's own log says it sent on that connection, or one issued by an appliance's built-in CA.
/// </summary>
public sealed class RC10DeviceCertificate : IRootCauseRule
{
    /// <summary>Issuer names of appliances' built-in or inspection CAs (their default certificates, as shipped).</summary>
    private static readonly string[] ApplianceIssuers = ["Fortinet", "FortiGate", "Sophos", "WatchGuard", "Barracuda", "Cisco", "Palo Alto", "Check Point", "SonicWall", "Kemp", "F5", "Citrix", "Zscaler", "Forcepoint"];

    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts is { } facts && (facts.TokenIs("SubjectMismatch") || facts.TokenIs("UntrustedRoot")))
        {
            yield return facts.TokenIs("SubjectMismatch")
                ? context.FromReason("RC10", Confidence.Low, "or a device in front of Exchange answered with its own certificate", "compare the presented thumbprint with Get-ExchangeCertificate on every server")
                : context.FromReason("RC10", Confidence.Low, "or a device in front of Exchange presents a certificate from a private CA", "compare the presented thumbprint with Get-ExchangeCertificate");
        }

        if (UnknownThumbprint(context) is { } unknown)
        {
            yield return unknown;
        }

        if (ReceivedFromDevice(context) is { } received)
        {
            yield return received;
        }
    }

    /// <summary>The thumbprint the sender saw is in no server's store and in no protocol log.</summary>
    private static Finding? UnknownThumbprint(DiagnosisContext context)
    {
        var reason = context.Reason;
        if (reason?.Thumbprint is not { } thumbprint || context.Certificates.Count == 0)
        {
            return null;
        }

        var inStore = context.Certificates.Any(c => string.Equals(c["Thumbprint"], thumbprint, StringComparison.OrdinalIgnoreCase));
        var inLogs = context.Receiving.Any(s => string.Equals(s.ServerCertificate?.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
        if (inStore || inLogs)
        {
            return null;
        }

        var sessions = context.Receiving.Count;
        var evidence = new List<Evidence>
        {
            new(context.ReasonSource, $"the sender was shown certificate {thumbprint} ({reason.PresentedSubject})"),
            new(context.Certificates[0].SourceOf("Thumbprint")!.File, $"none of the {context.Certificates.Count} certificates of the dump has that thumbprint"),
        };
        if (sessions > 0)
        {
            evidence.Add(new Evidence(context.Receiving[0].FirstLine.File, $"none of the {sessions} logged sessions sent it"));
        }

        return new Finding("RC10", RootCauseCatalog.All["RC10"].Title, sessions > 0 ? Confidence.High : Confidence.Medium, evidence,
            sessions > 0 ? [] : ["the SmtpReceive logs: if no session from the sender shows that thumbprint, a device answered"],
            [RootCauseCatalog.All["RC10"].Fix]);
    }

    /// <summary>The sender's SmtpSend log received a certificate that the servers do not have.</summary>
    private static Finding? ReceivedFromDevice(DiagnosisContext context)
    {
        foreach (var sent in context.Sending)
        {
            if (sent.ServerCertificate is not { } received)
            {
                continue;
            }

            var appliance = ApplianceIssuers.FirstOrDefault(a => (received.Issuer ?? string.Empty).Contains(a, StringComparison.OrdinalIgnoreCase) || (received.Subject ?? string.Empty).Contains(a, StringComparison.OrdinalIgnoreCase));
            // The receiving server's own record of that connection, when both sides' logs are given. The
            // dump alone proves nothing here: a sender's log towards another organisation receives
            // certificates no local store holds.
            var own = context.CounterpartOf(sent)?.ServerCertificate;
            var differs = own?.Thumbprint is not null && received.Thumbprint is not null && !string.Equals(own.Thumbprint, received.Thumbprint, StringComparison.OrdinalIgnoreCase);
            if (appliance is null && !differs)
            {
                continue;
            }

            var evidence = new List<Evidence> { new(received.Source.ToString(), $"the sender received {received.Subject} issued by {received.Issuer} ({received.Thumbprint}) from {sent.Server}") };
            if (appliance is not null)
            {
                evidence.Add(new Evidence(received.Source.ToString(), $"the issuer or subject names {appliance}: an appliance's own certificate, not Exchange's"));
            }

            if (differs)
            {
                evidence.Add(new Evidence(own!.Source.ToString(), $"the receiving server's own log of that connection shows it sent {own.Subject} ({own.Thumbprint})"));
            }

            return new Finding("RC10", RootCauseCatalog.All["RC10"].Title, Confidence.High, evidence, [], [RootCauseCatalog.All["RC10"].Fix]);
        }

        return null;
    }
}
