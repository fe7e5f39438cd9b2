using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// One root cause (or a family of them) of root-causes.md: reads the <see cref="DiagnosisContext"/> and
/// returns what the evidence supports, each finding with its evidence by file:line and the fix. A rule
/// may return several findings for one cause (from the reason alone, and from correlated logs); the
/// diagnoser keeps the strongest. Rules do not see each other's findings: where one settled cause
/// excludes another, the finding says so in <see cref="Finding.Outranks"/>.
/// </summary>
public interface IRootCauseRule
{
    IEnumerable<Finding> Evaluate(DiagnosisContext context);
}
