using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC01, the seed's cause: the connector that answered sent a certificate without the expected name
/// (the self-signed CN=&lt;SERVER&gt;) while a certificate carrying it sits unused, because TlsCertificateName
/// is unset and Exchange's selection found the FQDN's certificate first.
/// </summary>
public sealed class RC01WrongCertificate : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts is { } facts)
        {
            if (facts.TokenIs("SubjectMismatch"))
            {
                yield return context.FromReason("RC01", Confidence.High, $"SubjectMismatch: the certificate {facts.HostOrTarget} presented does not carry the expected name",
                    $"the SmtpReceive log of the server behind {facts.HostOrTarget}: the 'Sending certificate' record under connector Default Frontend shows which certificate it sent (CN=<SERVER> means self-signed); Get-ReceiveConnector | fl Identity,TlsCertificateName");
            }
            else if (facts.TokenIs("UntrustedRoot"))
            {
                yield return context.FromReason("RC01", Confidence.Medium, "a self-signed certificate (the default CN=<SERVER>) also ends in an untrusted root",
                    "the SmtpReceive 'Certificate subject' record: CN=<SERVER> means the self-signed default was sent");
            }
            else if (facts.Has("4.7.320") && facts.Token is null)
            {
                yield return context.FromReason("RC01", Confidence.Medium, "4.7.320 without a token: certificate validation failed, most often because of the certificate presented",
                    "the message trace detail (the MSG item) or the SmtpReceive certificate records");
            }
        }

        if (Correlated(context) is { } finding)
        {
            yield return finding;
        }
    }

    private static Finding? Correlated(DiagnosisContext context)
    {
        if (context.Expected is not { } expected || context.ExpectedName is not { } reference)
        {
            return null;
        }

        var reason = context.Reason;
        var evidence = new List<Evidence>();
        var missing = new List<string>();
        if (reason is not null)
        {
            evidence.Add(new Evidence(context.ReasonSource, $"{reason.EnhancedCode} {reason.Token} for {expected}{(reason.LastRetryTime is null ? string.Empty : " at " + reason.LastRetryTime)}"));
        }

        // The receiving server's own account of what it sent; when the history shows the certificate
        // changed, the sessions before the change are the failing ones.
        var wrong = context.Receiving.Where(s => s.ServerCertificate is { } sent && !DiagnosisContext.Carries(sent, reference)).ToList();
        var offending = wrong.FirstOrDefault();
        if (offending?.ServerCertificate is { } sentCertificate)
        {
            evidence.Add(new Evidence(sentCertificate.Source.ToString(), $"connector {offending.Connector} sent {sentCertificate.Subject} (thumbprint {sentCertificate.Thumbprint}, names {string.Join(";", sentCertificate.AlternateNames)}) to {offending.Session.RemoteEndpoint} at {offending.At:u}; {wrong.Count} session(s) like it"));
            // The same connector presenting another certificate later: the fix (or a renewal) at a time, not a second server.
            if (context.History.Periods.FirstOrDefault(p => p.From > offending.At && p.Lane.Connector == offending.Connector && p.Thumbprint != sentCertificate.Thumbprint) is { } after)
            {
                var side = context.Facts?.LastRetryClock is { } lrt ? "; " + CertificateHistory.SideOf(lrt, after.From) : string.Empty;
                evidence.Add(new Evidence(after.First.ServerCertificate!.Source.ToString(), $"from {after.From:u} the same connector sends {after.Subject} ({after.Thumbprint}): the certificate changed then{side}"));
            }
        }
        else if (!context.LogsGiven)
        {
            missing.Add("the SmtpReceive protocol log of the receiving server (which certificate it actually sent)");
        }

        var good = context.Certificates.FirstOrDefault(c => DiagnosisContext.Carries(c, reference) && DiagnosisContext.SmtpEnabled(c))
            ?? context.Certificates.FirstOrDefault(c => DiagnosisContext.Carries(c, reference));
        if (good is not null)
        {
            evidence.Add(new Evidence(good.SourceOf("Thumbprint")!.ToString(), $"certificate {good["Thumbprint"]} ({good["Subject"]}, issued by {good["Issuer"]}) carries {expected}; Services {good["Services"]}"));
        }
        else if (!context.CertificatesGiven)
        {
            missing.Add("Get-ExchangeCertificate | fl (is a certificate for " + expected + " installed?)");
        }

        var connectorName = offending?.Connector;
        var connector = context.Connector(connectorName)
            ?? context.ReceiveConnectors.FirstOrDefault(c => c["Identity"]?.Contains("Default Frontend", StringComparison.OrdinalIgnoreCase) == true);
        if (connector is not null)
        {
            evidence.Add(new Evidence(connector.SourceOf("TlsCertificateName")?.ToString() ?? connector.SourceOf("Identity")!.ToString(),
                $"{connector["Identity"]} has TlsCertificateName {(connector["TlsCertificateName"] is { } name ? name : "empty (so Exchange searches for the connector FQDN " + connector["Fqdn"] + ")")}"));
        }
        else if (!context.ConnectorsGiven)
        {
            missing.Add("Get-ReceiveConnector | fl (is TlsCertificateName set on the connector that answered?)");
        }

        var sentWrong = offending is not null;
        var goodUnused = good is not null && (connector is null || connector["TlsCertificateName"] is null || !DiagnosisContext.NamesCertificate(connector["TlsCertificateName"], good));
        var reasonSaysMismatch = context.Facts?.TokenIs("SubjectMismatch") == true || reason?.InnermostEnhancedCode == "4.7.320";
        var score = (sentWrong ? 1 : 0) + (goodUnused ? 1 : 0) + (reasonSaysMismatch ? 1 : 0) + (connector is not null && connector["TlsCertificateName"] is null ? 1 : 0);
        if (score < 2)
        {
            return null;
        }

        return new Finding("RC01", RootCauseCatalog.All["RC01"].Title, score >= 3 && sentWrong && goodUnused ? Confidence.High : Confidence.Medium, evidence, missing,
            CertificateFix.NameTheCertificate(connector, connectorName, good, expected));
    }
}
