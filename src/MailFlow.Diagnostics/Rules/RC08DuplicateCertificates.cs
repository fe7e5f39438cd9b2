using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC08: a renewal left the old certificate beside the new one with the same issuer and subject; a
/// TlsCertificateName then matches both and Exchange takes the one expiring last, not checking the SMTP
/// binding (root-causes.md, BLOG-HYB25).
/// </summary>
public sealed class RC08DuplicateCertificates : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var connector in context.Connectors)
        {
            if (connector["TlsCertificateName"] is not { } name)
            {
                continue;
            }

            var named = context.Certificates.Where(c => DiagnosisContext.NamesCertificate(name, c)).ToList();
            if (named.Count > 1)
            {
                var evidence = new List<Evidence> { new(connector.SourceOf("TlsCertificateName")!.ToString(), $"{connector["Identity"]} names {name}") };
                evidence.AddRange(named.Select(c => new Evidence(c.SourceOf("Thumbprint")!.ToString(), $"certificate {c["Thumbprint"]} has that issuer and subject (NotAfter {c["NotAfter"]}, Services {c["Services"]})")));
                yield return new Finding("RC08", RootCauseCatalog.All["RC08"].Title, Confidence.Medium, evidence,
                    ["which of them the connector presents (the SmtpReceive 'Certificate thumbprint' record): Exchange takes the latest NotAfter"], [RootCauseCatalog.All["RC08"].Fix]);
            }
        }
    }
}
