using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>RC16: Exchange Online did not attribute the on-premises mail to the tenant (5.7.64 TenantAttribution, 5.7.51 TenantInboundAttribution).</summary>
public sealed class RC16TenantAttribution : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts is { } facts && (facts.Codes.FirstOrDefault(c => c is "5.7.64" or "5.7.51") ?? (facts.Says("TenantAttribution") ? "TenantAttribution" : null)) is { } code)
        {
            yield return context.FromReason("RC16", Confidence.High, $"{code}: Exchange Online's inbound connector did not recognise the sender",
                "Get-InboundConnector | fl TlsSenderCertificateName,SenderIPAddresses; the SmtpSend 'Sending certificate' record");
        }
    }
}
