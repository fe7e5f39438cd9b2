using MailFlow.Certificates.Identity;
using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>RC19: a TlsCertificateName that does not parse as <c>&lt;I&gt;issuer&lt;S&gt;subject</c> (a pasted thumbprint, a missing tag).</summary>
public sealed class RC19CertificateNameSyntax : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts?.Says("could not find a certificate") == true)
        {
            yield return context.FromReason("RC19", Confidence.Low, "or TlsCertificateName is malformed", "check it has the <I>issuer<S>subject form");
        }

        foreach (var connector in context.Connectors)
        {
            if (connector["TlsCertificateName"] is { } name && !SmtpX509Identifier.TryParse(name, out _, out var error))
            {
                yield return new Finding("RC19", RootCauseCatalog.All["RC19"].Title, Confidence.High,
                    [new Evidence(connector.SourceOf("TlsCertificateName")!.ToString(), $"{connector["Identity"]}: {error}")], [], [RootCauseCatalog.All["RC19"].Fix]);
            }
        }
    }
}
