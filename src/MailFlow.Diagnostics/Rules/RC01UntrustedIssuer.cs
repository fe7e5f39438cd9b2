using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC01 in its UntrustedRoot form: the certificate sent carries the right name, but the sender does not
/// trust its issuer (typically a company's own CA), while a certificate for the same name from another
/// issuer is installed and unused. With a single certificate for the name this is RC06's picture instead.
/// </summary>
public sealed class RC01UntrustedIssuer : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts?.TokenIs("UntrustedRoot") != true || context.Expected is not { } expected || context.ExpectedName is not { } reference)
        {
            yield break;
        }

        var session = context.Receiving.LastOrDefault(s => s.ServerCertificate is { } c && DiagnosisContext.Carries(c, reference));
        var sent = session?.ServerCertificate;
        var other = context.Certificates.FirstOrDefault(c => !string.Equals(c["Thumbprint"], sent?.Thumbprint, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(c["Issuer"], sent?.Issuer, StringComparison.OrdinalIgnoreCase)
            && DiagnosisContext.Carries(c, reference) && DiagnosisContext.SmtpEnabled(c) && c["HasPrivateKey"] != "False");
        if (session is null || sent is null || other is null)
        {
            yield break;
        }

        var connector = context.Connector(session.Connector);
        var evidence = new List<Evidence>
        {
            new(context.ReasonSource, $"{context.Reason!.EnhancedCode} UntrustedRoot for {expected}: the sender did not trust the chain it was shown"),
            new(sent.Source.ToString(), $"connector {session.Connector} sent {sent.Subject} issued by {sent.Issuer} ({sent.Thumbprint})"),
            new(other.SourceOf("Thumbprint")!.ToString(), $"certificate {other["Thumbprint"]} for the same name, issued by {other["Issuer"]}, is installed with SMTP enabled and unused"),
        };
        if (connector?["TlsCertificateName"] is { } name)
        {
            evidence.Add(new Evidence(connector.SourceOf("TlsCertificateName")!.ToString(), $"{connector["Identity"]} names {name}"));
        }

        yield return new Finding("RC01", RootCauseCatalog.All["RC01"].Title, Confidence.High, evidence,
            ["which roots the sender trusts: Exchange Online trusts public CAs only, not a company's own"], CertificateFix.NameTheCertificate(connector, session.Connector, other, expected));
    }
}
