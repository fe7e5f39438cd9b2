using MailFlow.Certificates.Identity;
using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC03: the certificate TlsCertificateName names (or the FQDN's certificate) is gone, so Exchange
/// offers no STARTTLS and logs event 12014. Its tell in an EHLO reply: <c>X-ANONYMOUSTLS</c> without
/// <c>STARTTLS</c> — Exchange still advertises anonymous TLS for its own servers (internal transport
/// certificate) but has no certificate for the connector's name (exchange-semantics.md, selection step 6).
/// </summary>
public sealed class RC03StaleCertificateName : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts is { } facts)
        {
            // "STARTTLS is required" is the receiving Exchange refusing a sender that could not start TLS
            // because it was not offered; "Must issue a STARTTLS command first" is Exchange Online refusing an
            // on-premises sender that did not try (TlsNegotiationFailures ranks that one).
            if (facts.Says("STARTTLS is required") || facts.Has("5.7.3") && !facts.Says("STARTTLS command first"))
            {
                yield return context.FromReason("RC03", Confidence.High,
                    "the receiver did not get a TLS session although TLS is required: STARTTLS was not offered, typically because TlsCertificateName names a certificate that is gone (event 12014)",
                    "Application log event 12014 on the receiving server; the EHLO reply (mailflow probe) lacks STARTTLS; Get-ExchangeCertificate against TlsCertificateName");
            }

            if (facts.Says("could not find a certificate"))
            {
                yield return context.FromReason("RC03", Confidence.High, "event 12014: the certificate named by TlsCertificateName (or the FQDN) is not in the store, so STARTTLS is not offered",
                    "Get-ExchangeCertificate | fl Issuer,Subject,Services against Get-ReceiveConnector | fl TlsCertificateName");
            }
        }

        foreach (var finding in NamedCertificateGone(context))
        {
            yield return finding;
        }

        if (AnonymousTlsOnly(context) is { } fromEhlo)
        {
            yield return fromEhlo;
        }

        var probed = context.Probe?.Addresses.Where(a => a.Findings.Any(f => f.StartsWith("starttls-not-offered", StringComparison.Ordinal))).ToList() ?? [];
        if (probed.Count > 0)
        {
            var anonymous = probed.Any(a => a.EhloKeywords.Contains("X-ANONYMOUSTLS", StringComparer.OrdinalIgnoreCase));
            yield return new Finding("RC03", RootCauseCatalog.All["RC03"].Title, anonymous ? Confidence.High : Confidence.Medium, context.ProbeSaid("starttls-not-offered"),
                anonymous ? [] : ["whether X-ANONYMOUSTLS is still offered (Exchange without a certificate for the name) or nothing is (RC23, or a device stripping it: RC11)"],
                [RootCauseCatalog.All["RC03"].Fix]);
        }
    }

    /// <summary>The dumps alone: TlsCertificateName parses but names no certificate of the inventory.</summary>
    private static IEnumerable<Finding> NamedCertificateGone(DiagnosisContext context)
    {
        if (context.Certificates.Count == 0)
        {
            yield break;
        }

        foreach (var connector in context.ReceiveConnectors)
        {
            var name = connector["TlsCertificateName"];
            if (name is null || !SmtpX509Identifier.TryParse(name, out _, out _) || context.Certificates.Any(c => DiagnosisContext.NamesCertificate(name, c)))
            {
                continue;
            }

            var evidence = new List<Evidence> { new(connector.SourceOf("TlsCertificateName")!.ToString(), $"{connector["Identity"]} names {name}, and no certificate in the dump has that issuer and subject") };
            var noStartTls = context.Receiving.FirstOrDefault(s => string.Equals(s.Connector, connector["Identity"], StringComparison.OrdinalIgnoreCase) && s.EhloReply is not null && !s.Offers("STARTTLS"));
            if (noStartTls is not null)
            {
                evidence.Add(new Evidence(noStartTls.EhloReply!.Source.ToString(), $"session {noStartTls.Session.SessionId}: the EHLO reply offered no STARTTLS"));
            }

            yield return new Finding("RC03", RootCauseCatalog.All["RC03"].Title, Confidence.High, evidence, ["Application log event 12014 on the server confirms it"], [RootCauseCatalog.All["RC03"].Fix]);
        }
    }

    /// <summary>
    /// An EHLO reply, from either side's log, with X-ANONYMOUSTLS but no STARTTLS. The receiving side's
    /// own log cannot show a firewall's edits, so there it is Exchange's choice; on the sending side a
    /// device could strip STARTTLS too, but it would not leave Exchange's X-ANONYMOUSTLS and strip only STARTTLS
    /// unless it masks (which RC11 reads from the X runs).
    /// </summary>
    private static Finding? AnonymousTlsOnly(DiagnosisContext context)
    {
        var sessions = context.Observations.Where(o => o.EhloReply is not null && o.Offers("X-ANONYMOUSTLS") && !o.Offers("STARTTLS") && o.MaskedKeywords.Count == 0).ToList();
        if (sessions.Count == 0)
        {
            return null;
        }

        var first = sessions[0];
        var connector = context.Connector(first.Connector);
        var why = connector?["TlsCertificateName"] is { } named
            ? $"the connector names {named}, and Exchange found no valid certificate with that issuer and subject"
            : $"the connector has no TlsCertificateName{(connector?["Fqdn"] is { } fqdn ? $" and no valid SMTP certificate carries its FQDN {fqdn}" : ", so no certificate carrying its FQDN was found")}";
        var evidence = new List<Evidence>
        {
            new(first.EhloReply!.Source.ToString(), $"{(first.From == ObservedFrom.ReceivingServer ? "connector " + first.Connector : "the server at " + first.Server)} answered EHLO with X-ANONYMOUSTLS but without STARTTLS ({sessions.Count} session(s) like it): STARTTLS is missing because {why} (event 12014)"),
        };
        if (connector?.SourceOf("TlsCertificateName") is { } source)
        {
            evidence.Add(new Evidence(source.ToString(), $"{connector["Identity"]} TlsCertificateName {connector["TlsCertificateName"] ?? "(empty)"}"));
        }

        return new Finding("RC03", RootCauseCatalog.All["RC03"].Title, Confidence.High, evidence,
            connector is null ? ["Get-ReceiveConnector | fl Identity,Fqdn,TlsCertificateName and Get-ExchangeCertificate | fl: which name is searched and which certificate is missing"] : [],
            [RootCauseCatalog.All["RC03"].Fix]);
    }
}
