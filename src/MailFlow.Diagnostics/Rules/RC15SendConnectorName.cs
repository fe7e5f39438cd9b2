using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>RC15: a send connector with neither TlsCertificateName nor Fqdn falls back to the computer's name (HealthChecker ExoConnectorCheck).</summary>
public sealed class RC15SendConnectorName : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts?.PointsAtSendConnectorCertificate == true)
        {
            yield return context.FromReason("RC15", Confidence.Low, "a send connector without TlsCertificateName or Fqdn falls back to the computer name", "Get-SendConnector | fl Fqdn,TlsCertificateName");
        }

        foreach (var connector in context.SendConnectors.Where(c => c["TlsCertificateName"] is null && c["Fqdn"] is null && c.SourceOf("TlsCertificateName") is not null))
        {
            yield return new Finding("RC15", RootCauseCatalog.All["RC15"].Title, Confidence.Medium,
                [new Evidence(connector.SourceOf("TlsCertificateName")!.ToString(), $"send connector {connector["Identity"]} has neither TlsCertificateName nor Fqdn")],
                ["whether this connector carries mail to Exchange Online (AddressSpaces / SmartHosts *.mail.protection.outlook.com)"], [RootCauseCatalog.All["RC15"].Fix]);
        }
    }
}
