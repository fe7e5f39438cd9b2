using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC02: one of several servers behind the name was fixed and another was not. The evidence is two
/// servers presenting different certificates during the same period; the same server presenting one
/// certificate and later another is a change at a time (a renewal, or the fix), which
/// <see cref="CertificateHistory"/> reports instead.
/// </summary>
public sealed class RC02PartialConfiguration : IRootCauseRule
{
    /// <summary>Logs sample a server only when mail arrives: periods this close count as the same time.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMinutes(30);

    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts?.TokenIs("SubjectMismatch") == true)
        {
            yield return context.FromReason("RC02", Confidence.Medium, "the same mismatch can come from one of several servers behind the name",
                $"probe every address of {context.Facts.HostOrTarget} (mailflow probe {context.Facts.HostOrTarget} --expect {context.Reason!.ExpectedSubject ?? context.Facts.HostOrTarget}); compare TlsCertificateName on every receiving server");
        }

        var pairs = context.History.Concurrent(Slack).ToList();
        if (pairs.Count > 0)
        {
            var shown = pairs.SelectMany(p => new[] { p.A, p.B }).DistinctBy(p => (p.Lane, p.Thumbprint)).Take(6).ToList();
            var evidence = shown.Select(p => new Evidence(p.First.ServerCertificate!.Source.ToString(),
                $"server {p.First.Server} ({p.Lane.Connector}) sent {p.Subject} ({p.Thumbprint}) in {p.Sessions} session(s) from {p.From:u} to {p.To:u}")).ToList();
            var fix = RootCauseCatalog.All["RC02"].Fix + (context.Expected is null ? string.Empty : $"; then mailflow probe {context.Expected} should show the same certificate on every address");
            yield return new Finding("RC02", RootCauseCatalog.All["RC02"].Title, Confidence.High, evidence, [], [fix]) { Outranks = ["RC01"] };
        }
        else if (context.History.Periods.Select(p => p.Lane.Server).Distinct().Count() > 1
            && context.History.Periods.Select(p => p.Thumbprint).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1)
        {
            // Different servers, different certificates, but never at the same time: a server replaced,
            // or logs from different days. Say so rather than claim either.
            var evidence = context.History.Periods.Take(4).Select(p => new Evidence(p.First.ServerCertificate!.Source.ToString(),
                $"server {p.First.Server} sent {p.Subject} ({p.Thumbprint}) from {p.From:u} to {p.To:u}")).ToList();
            yield return new Finding("RC02", RootCauseCatalog.All["RC02"].Title, Confidence.Low, evidence,
                ["logs of every server over the same hours: these periods do not overlap, so they may be one server replaced rather than two configured differently"], [RootCauseCatalog.All["RC02"].Fix]);
        }
    }
}
