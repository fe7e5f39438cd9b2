using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>RC23 (decision 0017): a connector whose AuthMechanism lacks Tls offers no STARTTLS and so no certificate, by configuration.</summary>
public sealed class RC23TlsNotOffered : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var connector in context.Connectors)
        {
            if (connector["AuthMechanism"] is not { } mechanisms || mechanisms.Split(',').Any(m => m.Trim().Equals("Tls", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var evidence = new List<Evidence> { new(connector.SourceOf("AuthMechanism")!.ToString(), $"{connector["Identity"]} has AuthMechanism {mechanisms}: no Tls, so no STARTTLS and no certificate") };
            var plain = context.Receiving.LastOrDefault(s => string.Equals(s.Connector, connector["Identity"], StringComparison.OrdinalIgnoreCase) && s.EhloReply is not null && !s.Offers("STARTTLS"));
            if (plain is not null)
            {
                evidence.Add(new Evidence(plain.EhloReply!.Source.ToString(), $"session {plain.Session.SessionId} from {plain.Session.RemoteEndpoint}: the EHLO reply offered no STARTTLS"));
            }

            var fix = RootCauseCatalog.All["RC23"].Fix.Replace("<SRV>\\Default Frontend <SRV>", connector["Identity"], StringComparison.Ordinal);
            yield return new Finding("RC23", RootCauseCatalog.All["RC23"].Title, plain is null ? Confidence.Medium : Confidence.High, evidence,
                plain is null ? ["the SmtpReceive log of a session from the sender (did the EHLO reply offer STARTTLS?)"] : [],
                [fix, $"# on a MailFlow server: mailflow connector receive set \"{connector["Identity"]}\" --AuthMechanism \"Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer\" && mailflow service restart"]);
        }

        // Without the dump: the receiving server's own EHLO reply has neither STARTTLS nor X-ANONYMOUSTLS.
        if (!context.ConnectorsGiven && context.Receiving.FirstOrDefault(s => s.EhloReply is not null && s.Keywords.Count > 0 && !s.Offers("STARTTLS") && !s.Offers("X-ANONYMOUSTLS")) is { } bare)
        {
            yield return new Finding("RC23", RootCauseCatalog.All["RC23"].Title, Confidence.Medium,
                [new Evidence(bare.EhloReply!.Source.ToString(), $"connector {bare.Connector} answered EHLO without STARTTLS and without X-ANONYMOUSTLS ({string.Join(" ", bare.Keywords)}): TLS is not enabled on it, or no certificate at all could be found")],
                ["Get-ReceiveConnector | fl Identity,AuthMechanism,TlsCertificateName: Tls missing from AuthMechanism is RC23, a named certificate gone is RC03"], [RootCauseCatalog.All["RC23"].Fix]);
        }
    }
}
