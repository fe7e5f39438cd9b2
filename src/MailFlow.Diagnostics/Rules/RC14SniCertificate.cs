using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>RC14: a front end chooses the certificate from SNI; only a probe that handshakes both ways shows it.</summary>
public sealed class RC14SniCertificate : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ProbeSaid("sni-differs") is { Count: > 0 } probed)
        {
            yield return new Finding("RC14", RootCauseCatalog.All["RC14"].Title, Confidence.High, probed, [], [RootCauseCatalog.All["RC14"].Fix]);
        }
    }
}
