using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC11: a firewall's SMTP inspection (Cisco PIX/ASA "mailguard" and similar) masks the banner with
/// <c>*</c>, overwrites EHLO keywords it does not allow with X runs of the same length, and so removes
/// STARTTLS; some answer a STARTTLS that gets through with 500. Only the sender's view shows it — the
/// sender's SmtpSend log, a transcript or a probe — because the receiving server's own log is written
/// before the device rewrites anything.
/// </summary>
public sealed class RC11SmtpInspection : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts is { } facts)
        {
            if (facts.Says("STARTTLS is required") || facts.Has("5.7.3") && !facts.Says("STARTTLS command first"))
            {
                yield return context.FromReason("RC11", Confidence.Medium, "a firewall's SMTP inspection can strip STARTTLS from the EHLO reply", "mailflow probe: a masked banner (220 ****) or XXXXA in place of STARTTLS");
            }

            if (facts.Has("4.4.318"))
            {
                yield return context.FromReason("RC11", Confidence.Medium, "4.4.318: the connection was cut; SMTP inspection on a firewall is the usual suspect", "mailflow probe: masked banner (220 ****) or XXXXA keywords");
            }
        }

        var evidence = new List<Evidence>();
        var strong = false;
        foreach (var seen in context.Sending)
        {
            if (seen.BannerMasked)
            {
                evidence.Add(new Evidence(seen.Banner!.Source.ToString(), $"the banner from {seen.Server} is masked: \"{seen.Banner.Text}\" (a firewall's mask-banner)"));
                strong = true;
            }

            if (seen.MaskedKeywords is { Count: > 0 } masked)
            {
                var startTls = masked.Any(k => k.Length == "STARTTLS".Length) ? "; one of the length of STARTTLS, which is not offered" : string.Empty;
                evidence.Add(new Evidence(seen.EhloReply!.Source.ToString(), $"EHLO keywords overwritten with X runs: {string.Join(", ", masked)}{startTls}"));
                strong = true;
            }

            if (seen.StartTlsAnswer is { } answer && answer.Text.Length > 0 && answer.Text[0] == '5')
            {
                evidence.Add(new Evidence(answer.Source.ToString(), $"STARTTLS was answered \"{answer.Text}\"{(seen.Offers("STARTTLS") ? " although the EHLO reply offered it" : string.Empty)}"));
                strong |= seen.Offers("STARTTLS") || seen.BannerMasked;
            }

            if (evidence.Count > 0)
            {
                break; // one session's picture is enough; more of the same add nothing
            }
        }

        // The sender saw no STARTTLS while the receiving server's own record of that connection offered it: something between them removed it.
        foreach (var sent in context.Sending.Where(s => s.EhloReply is not null && !s.Offers("STARTTLS") && !s.Offers("X-ANONYMOUSTLS")))
        {
            if (context.CounterpartOf(sent) is { EhloReply: { } own } counterpart && counterpart.Offers("STARTTLS"))
            {
                evidence.Add(new Evidence(sent.EhloReply!.Source.ToString(), $"the sender's EHLO reply from {sent.Server} has no STARTTLS"));
                evidence.Add(new Evidence(own.Source.ToString(), $"while the receiving server's own log of that connection ({counterpart.At:u}) offered STARTTLS"));
                strong = true;
                break;
            }
        }

        evidence.AddRange(context.ProbeSaid("banner-masked", "ehlo-masked"));
        strong |= evidence.Any(e => e.Source.StartsWith("probe ", StringComparison.Ordinal));
        if (evidence.Count > 0)
        {
            yield return new Finding("RC11", RootCauseCatalog.All["RC11"].Title, strong ? Confidence.High : Confidence.Medium, evidence,
                strong ? [] : ["mailflow probe from outside the firewall: a masked banner or X runs in the EHLO reply settle it"], [RootCauseCatalog.All["RC11"].Fix]);
        }
    }
}
