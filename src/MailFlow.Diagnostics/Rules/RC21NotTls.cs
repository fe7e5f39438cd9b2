using System.Text.RegularExpressions;
using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// RC21: the connection never reached TLS — DNS (4.4.312), a timeout (4.4.315), a refusal (4.4.316,
/// Winsock 10061) — which must be told apart from the TLS causes because no certificate change fixes it.
/// </summary>
public sealed partial class RC21NotTls : IRootCauseRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Facts is { } facts)
        {
            if (facts.Codes.FirstOrDefault(c => c is "4.4.312" or "4.4.315" or "4.4.316" or "5.4.310") is { } code)
            {
                yield return context.FromReason("RC21", Confidence.High, $"{code}: the connection never reached SMTP (DNS, timeout or refusal), so TLS is not involved",
                    "resolve the smart host/MX; test port 25 from outside; check the firewall allows Exchange Online's addresses");
            }
            else if (facts.Has("4.3.2"))
            {
                yield return context.FromReason("RC21", Confidence.Medium, "4.3.2 service not available: the server answered but refused service (back pressure, or the transport stopped), not TLS",
                    "the receiving server's state at that time: back pressure events (15004–15007), the transport service running");
            }
            else if (facts.Has("4.4.1") || facts.Has("4.2.1"))
            {
                yield return context.FromReason("RC21", Confidence.Medium, "or the next hop is really unreachable from the sender", "test port 25 to the next hop from the sending server");
            }
            else if (facts.Has("4.4.318"))
            {
                yield return context.FromReason("RC21", Confidence.Medium, "or the server or network dropped it", "the SmtpReceive log for sessions from Exchange Online's addresses at that time");
            }
            else if (Winsock().Match(facts.Text) is { Success: true } winsock)
            {
                yield return context.FromReason("RC21", Confidence.High, $"Winsock error {winsock.Groups["code"].Value}: the TCP connection failed before SMTP", "test port 25 to the host from the sender's network");
            }
        }

        if (context.Sending.SelectMany(s => s.Session.Dialogue).FirstOrDefault(d => Winsock().IsMatch(d.Context) || Winsock().IsMatch(d.Data)) is { } failed)
        {
            yield return new Finding("RC21", RootCauseCatalog.All["RC21"].Title, Confidence.High,
                [new Evidence(failed.Source.ToString(), $"the sender's connection failed before SMTP: {(failed.Context.Length > 0 ? failed.Context : failed.Data)}")], [], [RootCauseCatalog.All["RC21"].Fix]);
        }
    }

    /// <summary>10060 timed out, 10061 refused, 10065 no route, 11001 host not found (Winsock error codes).</summary>
    [GeneratedRegex(@"(?:Winsock error code:?|Socket error code)\s*(?<code>1006[01]|10065|11001)")]
    private static partial Regex Winsock();
}
