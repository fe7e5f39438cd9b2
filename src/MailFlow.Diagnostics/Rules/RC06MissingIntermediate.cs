using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC06: the server sends only its leaf and Exchange Online, which never fetches intermediates, cannot
/// build the chain (UntrustedRoot; on relay, 5.7.64 with a CAPI2 chain ending in an untrusted root).
/// </summary>
public sealed class RC06MissingIntermediate : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts is { } facts)
        {
            if (facts.TokenIs("UntrustedRoot"))
            {
                yield return context.FromReason("RC06", Confidence.High, "UntrustedRoot: the chain the server sent does not reach a root Exchange Online trusts (it does not fetch missing intermediates)",
                    $"mailflow probe {facts.HostOrTarget}: how many certificates the server sends, and whether the chain builds without fetching");
            }
            else if (facts.Has("4.7.320") && facts.Token is null)
            {
                yield return context.FromReason("RC06", Confidence.Low, "so does a missing intermediate", $"mailflow probe {facts.HostOrTarget}");
            }

            if (facts.Has("5.7.64") || facts.Has("5.7.51"))
            {
                yield return context.FromReason("RC06", Confidence.Low, "an on-premises chain with a missing intermediate also fails attribution", "the CAPI2 log / Test-Certificate on the send connector's certificate");
            }
        }

        // Test-Certificate / certutil / CAPI2 on the server: a chain that stops short of a trusted root.
        if (context.HealthSaid(CertificateHealth.PartialChain, CertificateHealth.UntrustedRoot) is { Count: > 0 } health)
        {
            yield return new Finding("RC06", RootCauseCatalog.All["RC06"].Title, Confidence.High, health,
                ["whether the root itself is public (then an intermediate is missing) or a company's own CA (then the certificate is the wrong one, RC01)"], [RootCauseCatalog.All["RC06"].Fix]);
        }

        if (context.ProbeSaid("missing-intermediate") is { Count: > 0 } probed)
        {
            yield return new Finding("RC06", RootCauseCatalog.All["RC06"].Title, Confidence.High, probed, [], [RootCauseCatalog.All["RC06"].Fix]);
        }
    }
}
