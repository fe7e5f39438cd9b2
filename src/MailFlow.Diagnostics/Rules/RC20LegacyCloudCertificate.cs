using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>RC20: Exchange 2013 ≤ CU8 bound TlsDomainCapabilities to Exchange Online's old certificate (PRX5, KB 3156771).</summary>
public sealed class RC20LegacyCloudCertificate : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts?.Says("PRX5") == true)
        {
            yield return context.FromReason("RC20", Confidence.High, "PRX5: Exchange 2013 ≤ CU8 rejected Exchange Online's current certificate", "Get-ReceiveConnector | fl TlsDomainCapabilities; the Exchange build number");
        }
    }
}
