using System.Globalization;
using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>RC05: the token says expired, a probe saw an expired leaf, or the certificate carrying the expected name expired before the failure.</summary>
public sealed class RC05Expired : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var evidence = new List<Evidence>();
        var facts = context.Facts;
        if (facts is not null && (facts.TokenIs("NotTimeValid", "Expired", "CertificateExpired") || facts.Token?.Contains("expired", StringComparison.OrdinalIgnoreCase) == true || facts.Has("4.7.322")))
        {
            evidence.Add(new Evidence(context.ReasonSource, $"the sender reports {facts.Token ?? "4.7.322 certificate-expired"}: the presented certificate is outside its validity period"));
        }
        else if (facts?.Has("4.7.320") == true && facts.Token is null)
        {
            yield return context.FromReason("RC05", Confidence.Low, "an expired certificate gives the same code", $"mailflow probe {facts.HostOrTarget}");
        }

        var when = facts?.LastRetryClock ?? DateTime.UtcNow;
        if (context.Expected is { } expected)
        {
            foreach (var certificate in context.Certificates.Where(c => c.List("CertificateDomains").Contains(expected, StringComparer.OrdinalIgnoreCase)))
            {
                if (DateTime.TryParse(certificate["NotAfter"], CultureInfo.GetCultureInfo("en-US"), DateTimeStyles.AssumeUniversal, out var notAfter) && notAfter < when)
                {
                    evidence.Add(new Evidence(certificate.SourceOf("NotAfter")!.ToString(), $"certificate {certificate["Thumbprint"]} for {expected} expired on {certificate["NotAfter"]}"));
                }
            }
        }

        evidence.AddRange(context.ProbeSaid("expired", "not-yet-valid"));
        evidence.AddRange(context.HealthSaid(CertificateHealth.Expired));
        if (evidence.Count > 0)
        {
            var probed = evidence.Any(e => e.Source != context.ReasonSource);
            yield return new Finding("RC05", RootCauseCatalog.All["RC05"].Title, evidence.Count > 1 || probed ? Confidence.High : Confidence.Medium, evidence,
                evidence.Count > 1 || probed ? [] : [$"mailflow probe {facts?.HostOrTarget ?? context.Expected ?? "<host>"}: NotAfter of the presented certificate"], [RootCauseCatalog.All["RC05"].Fix]);
        }
    }
}
