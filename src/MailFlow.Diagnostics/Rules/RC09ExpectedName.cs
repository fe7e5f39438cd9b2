using MailFlow.Certificates.Names;
using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC09: the receiver sent the certificate it was configured to send, but the sender expected another
/// name. Two tells: the certificate the logs show carries the host the sender connected to (so the
/// sender's TlsDomain, not the host, is what failed); or no certificate in the dump carries the expected
/// name while the one sent is the one the connector names. Either settles that RC01 is not the cause.
/// </summary>
public sealed class RC09ExpectedName : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts?.TokenIs("SubjectMismatch") == true)
        {
            yield return context.FromReason("RC09", Confidence.Low, "or the sender expects a name the right certificate does not carry",
                "Get-OutboundConnector | fl TlsDomain,TlsSettings against the certificate's CertificateDomains");
        }

        if (Correlated(context) is { } finding)
        {
            yield return finding;
        }
    }

    private static Finding? Correlated(DiagnosisContext context)
    {
        var reason = context.Reason;
        if (reason is null || context.Expected is not { } expected || context.ExpectedName is not { } reference
            || !(reason.Token is "SubjectMismatch" || reason.Token is null && reason.InnermostEnhancedCode == "4.7.320"))
        {
            return null;
        }

        var host = reason.TargetHost ?? reason.OutboundProxyTargetHostName;
        var hostReference = host is not null && ReferenceIdentifier.TryParse(host, allowSubdomainPattern: false, out var parsedHost, out _) ? parsedHost : null;
        // The sessions the failing attempt could be: same thumbprint and same server address when the
        // reason gives them. Several different certificates among them is RC02's picture, not this one.
        var address = reason.TargetAddress?.Split(':')[0];
        var candidates = context.Receiving.Where(s => s.ServerCertificate is { } c
                && (reason.Thumbprint is null || string.Equals(c.Thumbprint, reason.Thumbprint, StringComparison.OrdinalIgnoreCase))
                && (address is null || s.Server is null || CertificateHistory.Address(s.Server) == address))
            .ToList();
        var sent = candidates.LastOrDefault()?.ServerCertificate;
        // A certificate carrying the expected name cannot be the mismatch, unless the expected name is only
        // the host (the brace form names no Expected Subject): then the sender must have expected another.
        if (sent is null || candidates.Select(s => s.ServerCertificate!.Thumbprint).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1
            || DiagnosisContext.Carries(sent, reference) && !string.Equals(host, expected, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var evidence = new List<Evidence> { new(context.ReasonSource, $"{reason.EnhancedCode} {reason.Token} for {expected}{(host is null ? string.Empty : " connecting to " + host)}") };
        var carriesHost = hostReference is not null && DiagnosisContext.Carries(sent, hostReference);
        var intended = context.Connectors.FirstOrDefault(c => context.Certificates.Any(d => string.Equals(d["Thumbprint"], sent.Thumbprint, StringComparison.OrdinalIgnoreCase) && DiagnosisContext.NamesCertificate(c["TlsCertificateName"], d)));
        var nobodyCarriesExpected = context.Certificates.Count > 0 && !context.Certificates.Any(c => DiagnosisContext.Carries(c, reference));
        if (carriesHost)
        {
            evidence.Add(new Evidence(sent.Source.ToString(), $"the server sent {sent.Subject} ({sent.Thumbprint}), which carries {host}, the host the sender connected to: the name the sender expected differs from the host"));
        }
        else if (intended is not null && nobodyCarriesExpected)
        {
            evidence.Add(new Evidence(sent.Source.ToString(), $"the server sent {sent.Subject} ({sent.Thumbprint}), names {string.Join(";", sent.AlternateNames)}"));
        }
        else
        {
            return null;
        }

        if (intended is not null)
        {
            evidence.Add(new Evidence(intended.SourceOf("TlsCertificateName")!.ToString(), $"{intended["Identity"]} is configured to send exactly that certificate ({intended["TlsCertificateName"]})"));
        }

        if (nobodyCarriesExpected)
        {
            evidence.Add(new Evidence("certificates", $"none of the {context.Certificates.Count} certificates in the dump carries {expected}"));
        }

        var name = sent.AlternateNames.FirstOrDefault(n => !n.StartsWith('*')) ?? host ?? "<a name in the certificate>";
        var confidence = carriesHost || intended is not null ? Confidence.High : Confidence.Medium;
        return new Finding("RC09", RootCauseCatalog.All["RC09"].Title, confidence, evidence,
            ["Get-OutboundConnector | fl TlsSettings,TlsDomain,SmartHosts on the sending tenant confirms the expected name"],
            [
                $"Set-OutboundConnector \"<connector>\" -TlsSettings DomainValidation -TlsDomain {name}",
                $"# on a MailFlow sender: mailflow connector send set \"<connector>\" --TlsDomain {name}",
            ])
        { Outranks = confidence == Confidence.High ? ["RC01"] : [] };
    }
}
