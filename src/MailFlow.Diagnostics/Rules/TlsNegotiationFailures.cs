using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// The family of TLS handshake failures (RC10–RC13, RC21): the error name Schannel reports does not name
/// a cause by itself, but it ranks them. Every name, known or not, gets a ranked list with what would
/// tell the causes apart, from a reason (<c>TLS negotiation failed with error X</c>, <c>Security status X</c>)
/// or from either side's protocol log. NoCredentials is the sender's own missing key: RC04's.
/// </summary>
public sealed class TlsNegotiationFailures : IRootCauseRule
{
    private const string ProbeProtocols = "mailflow probe <host> --tls 1.2 and --tls 1.3 (TLS 1.2 disabled, or no common version); HealthChecker TLSConfigurationCheck";
    private const string ProbeCiphers = "mailflow probe <host>: a handshake_failure alert after the version is agreed means no common cipher suite";
    private const string ProbeMasking = "mailflow probe <host>: a masked banner (220 ****) or X runs in the EHLO reply mean SMTP inspection";
    private const string ProbeDevice = "mailflow probe <host>: whose certificate and banner answer (a device's, or Exchange's)";
    private const string NetworkPath = "the connection's timing in both sides' logs: a TCP-level drop or timeout, not the handshake itself";

    /// <summary>Error name → the causes it points to, strongest first. Names not listed fall to <see cref="Unknown"/>.</summary>
    private static readonly Dictionary<string, (string Cause, Confidence Confidence, string Because, string Confirm)[]> Ranking = new(StringComparer.OrdinalIgnoreCase)
    {
        ["SocketError"] =
        [
            ("RC12", Confidence.High, "SocketError during TLS: the peer closed the socket in the handshake, usually TLS 1.2 disabled or no common protocol", ProbeProtocols),
            ("RC13", Confidence.Low, "or no cipher suite in common", ProbeCiphers),
            ("RC11", Confidence.Low, "or an inspecting firewall cut the handshake", ProbeMasking),
        ],
        ["InvalidToken"] =
        [
            ("RC12", Confidence.Medium, "InvalidToken: the TLS handshake broke (protocol or cipher mismatch)", ProbeProtocols),
            ("RC11", Confidence.Medium, "a firewall that inspects SMTP can break the handshake", ProbeMasking),
            ("RC13", Confidence.Low, "or no cipher suite in common", ProbeCiphers),
        ],
        ["ConnectionReset"] =
        [
            ("RC11", Confidence.Medium, "the connection was reset inside the handshake: SMTP inspection resetting what it cannot read is the usual cause", ProbeMasking),
            ("RC12", Confidence.Medium, "or the peer refused the offered protocol version by resetting", ProbeProtocols),
            ("RC10", Confidence.Low, "or a device in the path terminates TLS and failed", ProbeDevice),
            ("RC21", Confidence.Low, "or the network dropped the connection", NetworkPath),
        ],
        ["ConnectionAborted"] =
        [
            ("RC11", Confidence.Medium, "the connection was aborted inside the handshake: SMTP inspection cutting TLS is the usual cause", ProbeMasking),
            ("RC12", Confidence.Medium, "or the protocol versions do not overlap", ProbeProtocols),
            ("RC10", Confidence.Low, "or a device in the path terminates TLS and failed", ProbeDevice),
            ("RC21", Confidence.Low, "or the network dropped the connection", NetworkPath),
        ],
        ["UnexpectedMessage"] =
        [
            ("RC11", Confidence.Medium, "UnexpectedMessage: the handshake received something that is not TLS, typically a device answering in plain text", ProbeMasking),
            ("RC10", Confidence.Medium, "or a device in the path answered TLS itself and failed", ProbeDevice),
            ("RC12", Confidence.Low, "or a protocol mismatch", ProbeProtocols),
        ],
        ["TimedOut"] =
        [
            ("RC11", Confidence.Medium, "the connection timed out mid-conversation: an inspecting firewall holding what it cannot parse", ProbeMasking),
            ("RC12", Confidence.Medium, "or a peer that never answers the offered TLS version", ProbeProtocols),
            ("RC21", Confidence.Medium, "or a network path dropping packets (MTU, an idle timeout)", NetworkPath),
        ],
        // "remote server disconnected abruptly" (SMTPSEND.SuspiciousRemoteServerError): the peer hung up mid-session.
        ["Disconnected"] =
        [
            ("RC12", Confidence.Medium, "the remote server disconnected abruptly: an old server refusing the offered TLS version hangs up", ProbeProtocols),
            ("RC11", Confidence.Medium, "or an inspecting firewall cut the session", ProbeMasking),
            ("RC21", Confidence.Low, "or the network dropped it", NetworkPath),
        ],
        // "Socket error SocketError" without "TLS negotiation failed": the socket failed, not necessarily the handshake.
        ["Socket"] =
        [
            ("RC21", Confidence.Medium, "a socket error outside a TLS negotiation: the connection itself failed (the peer closed it, or the network)", NetworkPath),
            ("RC12", Confidence.Medium, "or the peer closed it because TLS could not be agreed", ProbeProtocols),
        ],
        // Exchange Online refused an on-premises sender that did not start TLS (KB-SOCKET: TLS 1.2 unavailable on the sender).
        ["NoStartTls"] =
        [
            ("RC12", Confidence.Medium, "Must issue a STARTTLS command first: the sender did not start TLS with Exchange Online, which happens when TLS 1.2 is not available to it (KB-SOCKET)", ProbeProtocols),
            ("RC04", Confidence.Low, "or the send connector's certificate was unusable, so the TLS attempt failed and the sender went on without it", "the sender's SmtpSend log: TLS negotiation failed with error NoCredentials/UnknownCredentials; Get-SendConnector | fl TlsCertificateName"),
        ],
    };

    private static readonly (string Cause, Confidence Confidence, string Because, string Confirm)[] Unknown =
    [
        ("RC12", Confidence.Medium, "a TLS negotiation failure without a telling error name: protocol versions first", ProbeProtocols),
        ("RC13", Confidence.Low, "then cipher suites", ProbeCiphers),
        ("RC11", Confidence.Low, "then a device in the path", ProbeMasking),
    ];

    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.Facts?.Host ?? context.Sending.FirstOrDefault(s => s.TlsFailure is not null)?.Server ?? "<host>";
        if (context.Facts is { } facts && ReasonNames(facts) is (true, var name))
        {
            foreach (var (cause, confidence, because, confirm) in RankingOf(name))
            {
                yield return context.FromReason(cause, confidence, because, confirm.Replace("<host>", host, StringComparison.Ordinal));
            }
        }

        foreach (var seen in context.Observations.Where(o => o.TlsFailure is not null && !IsCredentials(o.TlsError)).Take(1))
        {
            var afterReady = seen.StartTlsAnswer?.Text.StartsWith("220", StringComparison.Ordinal) == true
                ? $" right after the server accepted STARTTLS (\"{seen.StartTlsAnswer.Text}\")"
                : string.Empty;
            var side = seen.From == ObservedFrom.SendingServer ? $"the sender's handshake with {seen.Server}" : $"connector {seen.Connector}'s handshake with {seen.Session.RemoteEndpoint}";
            foreach (var (cause, confidence, because, confirm) in RankingOf(seen.TlsError))
            {
                yield return new Finding(cause, RootCauseCatalog.All[cause].Title, confidence,
                    [new Evidence(seen.TlsFailure!.Source.ToString(), $"{side} failed{afterReady}: {seen.TlsFailure.Text}"), new Evidence(seen.TlsFailure.Source.ToString(), because)],
                    [confirm.Replace("<host>", seen.Server ?? host, StringComparison.Ordinal)], [RootCauseCatalog.All[cause].Fix]);
            }
        }

        // TLS 1.0/1.1 negotiated: Exchange Online refuses both since 2021, so the sender's next session to it fails.
        if (context.Observations.FirstOrDefault(o => o.TlsSuccess?.Text.Contains("TLS1_0", StringComparison.Ordinal) == true || o.TlsSuccess?.Text.Contains("TLS1_1", StringComparison.Ordinal) == true) is { } legacy)
        {
            yield return new Finding("RC12", RootCauseCatalog.All["RC12"].Title, Confidence.Medium,
                [new Evidence(legacy.TlsSuccess!.Source.ToString(), $"this connection negotiated a legacy protocol: {legacy.TlsSuccess.Text.Split(" negotiation")[0]}; Exchange Online accepts TLS 1.2 and later only")],
                ["HealthChecker TLSConfigurationCheck: TLS 1.2 enabled for SCHANNEL client and server, SystemDefaultTlsVersions set"], [RootCauseCatalog.All["RC12"].Fix]);
        }
    }

    /// <summary>Which ranking a reason's words call for; (false, _) when it describes no handshake or connection failure.</summary>
    private static (bool Named, string? Name) ReasonNames(ReasonFacts facts)
    {
        if (facts.TlsError is { } error)
        {
            return (!IsCredentials(error), error);
        }

        string? name = facts.Says("Connection dropped due to SocketError") ? "SocketError"
            : facts.Says("Connection dropped due to TimedOut") || facts.Says("Connection dropped due to timeout") ? "TimedOut"
            : facts.Says("Socket error SocketError") ? "Socket"
            : facts.Says("disconnected abruptly") ? "Disconnected"
            : facts.Says("STARTTLS command first") ? "NoStartTls"
            : null;
        return (name is not null || facts.Says("TLS negotiation failed"), name);
    }

    /// <summary>
    /// Names that are not handshake failures of this family: the sender's own missing key (RC04), and the
    /// certificate verdicts MailFlow's SmtpSend log writes in the same line (decision 0022), which the
    /// certificate rules judge.
    /// </summary>
    private static bool IsCredentials(string? error) => error is not null && NotHandshake.Contains(error);

    private static readonly HashSet<string> NotHandshake = new(StringComparer.OrdinalIgnoreCase)
    {
        "NoCredentials", "UnknownCredentials", "SubjectMismatch", "UntrustedRoot", "NotTimeValid", "CertificateExpired", "Revoked", "RevocationStatusUnknown", "OfflineRevocation", "PartialChain",
    };

    private static (string Cause, Confidence Confidence, string Because, string Confirm)[] RankingOf(string? error) =>
        error is not null && Ranking.TryGetValue(error, out var ranked) ? ranked : Unknown;
}
