using MailFlow.Certificates.Identity;
using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC04: the send connector's TlsCertificateName names no usable certificate — not installed, or without
/// its private key — so the sending side's handshake fails with NoCredentials (KB 4495258) and the queue
/// shows 454 4.7.5. Seen in the sender's own SmtpSend log, the reason, and the dumps.
/// </summary>
public sealed class RC04SendConnectorCertificate : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts?.PointsAtSendConnectorCertificate == true)
        {
            yield return context.FromReason("RC04", Confidence.High, "the send connector's TlsCertificateName names no usable certificate (NoCredentials: no private key)",
                "Get-SendConnector | fl TlsCertificateName against Get-ExchangeCertificate | fl Thumbprint,HasPrivateKey,Services,Status");
        }

        // KB 4495258: with an unusable send-connector certificate the queue shows the next hop's timeout,
        // not a TLS error, because Exchange gives up the TLS attempt and the connection then fails.
        if (context.Facts is { } queue
            && (queue.Says("Primary target IP address responded with") || queue.Says("Attempted failover to alternate host") || queue.Says("Target host responded with error"))
            && (queue.Has("4.4.1") || queue.Has("4.2.1") || queue.Has("4.4.2") && (queue.Says("timeout") || queue.Says("TimedOut"))))
        {
            yield return context.FromReason("RC04", Confidence.Medium, "the next hop 'timed out' or was 'unable to connect' after failover: what an unusable send-connector certificate (NoCredentials) looks like in the queue (KB 4495258)",
                "the sending server's SmtpSend log for that next hop: TLS negotiation failed with error NoCredentials or UnknownCredentials");
        }

        var failed = context.Sending.Where(s => s.TlsError is "NoCredentials" or "UnknownCredentials").ToList();
        if (failed.Count > 0)
        {
            var first = failed[0];
            yield return new Finding("RC04", RootCauseCatalog.All["RC04"].Title, Confidence.High,
                [new Evidence(first.TlsFailure!.Source.ToString(), $"send connector {first.Connector} to {first.Server}: {first.TlsFailure.Text} — this server had no certificate with a private key to present ({failed.Count} session(s))")],
                context.ConnectorsGiven ? [] : ["Get-SendConnector | fl TlsCertificateName and Get-ExchangeCertificate | fl Thumbprint,HasPrivateKey: which certificate is named and whether its key is there"],
                [RootCauseCatalog.All["RC04"].Fix]);
        }

        foreach (var connector in context.SendConnectors)
        {
            if (connector["TlsCertificateName"] is not { } name || !SmtpX509Identifier.TryParse(name, out _, out _) || context.Certificates.Count == 0)
            {
                continue;
            }

            var named = context.Certificates.Where(c => DiagnosisContext.NamesCertificate(name, c)).ToList();
            var source = connector.SourceOf("TlsCertificateName")!.ToString();
            if (named.Count == 0)
            {
                yield return new Finding("RC04", RootCauseCatalog.All["RC04"].Title, Confidence.High,
                    [new Evidence(source, $"send connector {connector["Identity"]} names {name}, and no certificate in the dump has that issuer and subject")], [], [RootCauseCatalog.All["RC04"].Fix]);
            }
            else if (named.All(c => c["HasPrivateKey"] == "False"))
            {
                yield return new Finding("RC04", RootCauseCatalog.All["RC04"].Title, Confidence.High,
                    [new Evidence(source, $"send connector {connector["Identity"]} names {name}"), new Evidence(named[0].SourceOf("HasPrivateKey")!.ToString(), $"certificate {named[0]["Thumbprint"]} has no private key")],
                    [], [RootCauseCatalog.All["RC04"].Fix]);
            }
        }
    }
}
