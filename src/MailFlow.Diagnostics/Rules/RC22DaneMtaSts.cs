using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>RC22: DANE or MTA-STS enforcement failed on the sending side (Exchange Online's 4.7.321–4.7.325 and 4.7.5 MTA-STS texts).</summary>
public sealed class RC22DaneMtaSts : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts is not { } facts)
        {
            yield break;
        }

        if (facts.Codes.FirstOrDefault(c => c is "4.7.321" or "4.7.322" or "4.7.323" or "4.7.324" or "4.7.325" or "4.4.8" or "5.7.5") is { } code)
        {
            yield return context.FromReason("RC22", Confidence.High, $"{code}: DANE or MTA-STS enforcement failed", "the destination's TLSA records or MTA-STS policy");
        }
        else if (facts.Has("4.7.5") && facts.Says("MTA-STS"))
        {
            yield return context.FromReason("RC22", Confidence.High, "MTA-STS validation failed", "the destination's MTA-STS policy and certificate");
        }
    }
}
