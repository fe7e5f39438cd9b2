using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>RC07: the certificate is revoked, or its revocation cannot be checked (the token, certificate-health text, or Exchange's own Status in the dump).</summary>
public sealed class RC07Revoked : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts is { } facts && facts.TokenIs("Revoked", "RevocationStatusUnknown", "OfflineRevocation"))
        {
            yield return context.FromReason("RC07", Confidence.High, $"{facts.Token}: the certificate's revocation check failed", "Get-ExchangeCertificate | fl Thumbprint,Status; Test-Certificate on the server");
        }

        if (context.HealthSaid(CertificateHealth.Revoked, CertificateHealth.RevocationUnknown) is { Count: > 0 } health)
        {
            yield return new Finding("RC07", RootCauseCatalog.All["RC07"].Title, Confidence.High, health,
                health.Any(e => e.Says.EndsWith(nameof(CertificateHealth.RevocationUnknown), StringComparison.Ordinal)) ? ["whether the server reaches the CRL/OCSP addresses of the chain (certutil -verify -urlfetch)"] : [],
                [RootCauseCatalog.All["RC07"].Fix]);
        }

        var flagged = context.Certificates.Where(c => c["Status"] is "Revoked" or "RevocationCheckFailure").ToList();
        if (flagged.Count > 0)
        {
            yield return new Finding("RC07", RootCauseCatalog.All["RC07"].Title, Confidence.High,
                flagged.Select(c => new Evidence(c.SourceOf("Status")!.ToString(), $"certificate {c["Thumbprint"]} ({c["Subject"]}) has Status {c["Status"]}")).ToList(),
                [], [RootCauseCatalog.All["RC07"].Fix]);
        }
    }
}
