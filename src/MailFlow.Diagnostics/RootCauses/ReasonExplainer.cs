using MailFlow.Diagnostics.Reasons;

namespace MailFlow.Diagnostics.RootCauses;

public enum Confidence
{
    Low,
    Medium,
    High,
}

/// <summary>A root cause the reason points to: why, and what would confirm it.</summary>
public sealed record Candidate(RootCause Cause, Confidence Confidence, string Because, string ConfirmWith);

/// <summary>What <c>mailflow explain</c> prints: the parsed fields, the meaning of each code, the likely causes.</summary>
public sealed record Explanation(ParsedReason Reason, IReadOnlyList<StatusCodeMeaning> Codes, IReadOnlyList<Candidate> Candidates, IReadOnlyList<string> Notes);

/// <summary>
/// Ranks root causes from what one reason string can tell (root-causes.md §1 "evidence" column), by
/// running the rule catalogue on a context holding only the reason. A reason alone never proves a
/// cause; each candidate says what would confirm it — which log line, which command — so the admin
/// knows what to collect for <c>mailflow diagnose</c>.
/// </summary>
public static class ReasonExplainer
{
    public static Explanation Explain(string? text)
    {
        var reason = ReasonParser.Parse(text);
        var codes = new List<StatusCodeMeaning>();
        for (var r = reason; r is not null; r = r.Nested)
        {
            if (StatusCodes.Describe(r.EnhancedCode) is { } meaning && !codes.Contains(meaning))
            {
                codes.Add(meaning);
            }
        }

        // The same rules diagnose runs, with nothing but the reason to read.
        var context = Context.DiagnosisContext.ForReason(reason);
        var candidates = Diagnose.Diagnoser.Settle(Rules.RuleCatalog.All.SelectMany(r => r.Evaluate(context)), context, capReasonOnly: false)
            .Select(f => new Candidate(RootCauseCatalog.All[f.RootCause], f.Confidence, f.Evidence[0].Says, f.Missing.Count > 0 ? f.Missing[0] : string.Empty))
            .ToList();
        var enhanced = context.Facts!.Codes;

        var notes = new List<string>();
        if (reason.Truncated)
        {
            notes.Add("the text is cut off: values at the end may be incomplete");
        }

        if (reason.Redacted.Count > 0)
        {
            notes.Add($"redacted by whoever published it: {string.Join(", ", reason.Redacted)}");
        }

        if (enhanced.Contains("4.4.7"))
        {
            notes.Add("4.4.7 only says the message expired; the deferrals before it (message trace DEFER events, or the queue's LastError) carry the cause — explain those");
        }

        if (reason.Format == ReasonFormat.Unknown || (candidates.Count == 0 && codes.Count == 0))
        {
            notes.Add("no known code or token was recognised; parsed what could be read — collect the message trace detail, the SmtpReceive/SmtpSend logs and run mailflow diagnose");
        }

        if (Diagnose.Diagnoser.Ambiguity([.. candidates.Select(c => new Diagnose.Finding(c.Cause.Id, c.Cause.Title, c.Confidence, [], [c.ConfirmWith], []))]) is { } ambiguous)
        {
            notes.Add(ambiguous);
        }

        return new Explanation(reason, codes, candidates, notes);
    }
}
