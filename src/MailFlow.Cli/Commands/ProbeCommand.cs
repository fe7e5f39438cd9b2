using System.CommandLine;
using System.Security.Authentication;
using MailFlow.Certificates.Trust;
using MailFlow.Diagnostics.Probe;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow probe HOST[:PORT]</c>: what a sending MTA sees, and what each TlsAuthLevel would decide.</summary>
internal static class ProbeCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var target = new Argument<string>("target") { Description = "HOST or HOST:PORT (default port 25); every A/AAAA address is probed" };
        var expect = new Option<string?>("--expect") { Description = "The name DomainValidation expects (the sender's TlsDomain); default: HOST" };
        var sni = new Option<string?>("--sni") { Description = "SNI name to send (default: HOST)" };
        var noSni = new Option<bool>("--no-sni") { Description = "Send no SNI in the first handshake" };
        var ca = new Option<string[]>("--ca") { Description = "Extra trusted root(s), PEM; system roots are trusted too", AllowMultipleArgumentsPerToken = true };
        var tls = new Option<string?>("--tls") { Description = "Only this TLS version: 1.2 or 1.3" };
        var command = new Command("probe", "Connect like a sending MTA (no mail is sent): banner, EHLO, STARTTLS, the chain, a verdict per TlsAuthLevel") { target, expect, sni, noSni, ca, tls };
        command.SetAction(wrap(context =>
        {
            var (host, port) = SplitTarget(context.Parse.GetValue(target)!);
            // Pinning one version is the point of --tls: it tells RC12 (no TLS 1.2) from everything else.
#pragma warning disable CA5397
            var protocols = context.Parse.GetValue(tls) switch
            {
                null => SslProtocols.None,
                "1.2" => SslProtocols.Tls12,
                "1.3" => SslProtocols.Tls13,
                var other => throw new Core.Errors.MailFlowException($"--tls {other}: use 1.2 or 1.3", Core.Errors.MailFlowErrorKind.InvalidArgument),
            };
#pragma warning restore CA5397
            var options = new ProbeOptions
            {
                Expect = context.Parse.GetValue(expect),
                Sni = context.Parse.GetValue(noSni) ? string.Empty : context.Parse.GetValue(sni),
                Protocols = protocols,
                Anchors = TrustAnchors.Load(useSystemRoots: true, context.Parse.GetValue(ca) ?? []),
            };
            var report = SmtpProbe.ProbeAsync(host, port, options).GetAwaiter().GetResult();
            if (context.Output.Json)
            {
                context.Output.WriteJson(report, json => json.ProbeReport);
            }
            else
            {
                Write(context, report);
            }

            return report.Addresses.All(a => a.Error is not null) ? MailFlowCli.OperationFailed : MailFlowCli.Success;
        }));
        return command;
    }

    private static (string Host, int Port) SplitTarget(string target)
    {
        var colon = target.LastIndexOf(':');
        if (colon > 0 && target.IndexOf(':', StringComparison.Ordinal) == colon && int.TryParse(target[(colon + 1)..], out var port) && port is > 0 and < 65_536)
        {
            return (target[..colon], port);
        }

        return (target.Trim('[', ']'), 25);
    }

    private static void Write(CommandContext context, ProbeReport report)
    {
        var output = context.Output.Out;
        foreach (var address in report.Addresses)
        {
            output.WriteLine($"{report.Host} [{address.Address}]");
            if (address.Banner is null && address.Error is not null)
            {
                // Nothing was said, so there is nothing to judge: "STARTTLS: NOT offered" here would read as a TLS finding.
                output.WriteLine($"  no SMTP session: {address.Error}");
                continue;
            }

            output.WriteLine($"  banner:   {address.Banner ?? "(none)"}");
            output.WriteLine($"  EHLO:     {string.Join(" ", address.EhloKeywords)}");
            output.WriteLine($"  STARTTLS: {(address.StartTlsOffered ? "offered" : "NOT offered")}");
            if (address.TlsProtocol is not null)
            {
                output.WriteLine($"  TLS:      {address.TlsProtocol} {address.CipherSuite}");
            }

            for (var i = 0; i < address.Chain.Count; i++)
            {
                var c = address.Chain[i];
                output.WriteLine($"  [{i}] {c.Subject}  issued by {c.Issuer}");
                output.WriteLine($"      names {string.Join(", ", c.DnsNames)}; valid {c.NotBefore:u} – {c.NotAfter:u}; {c.Key}; {c.SignatureAlgorithm}");
                output.WriteLine($"      serial {c.SerialNumber}; thumbprint {c.Thumbprint}{(c.SelfSigned ? "; self-signed" : string.Empty)}");
            }

            foreach (var verdict in address.Verdicts)
            {
                output.WriteLine($"  {verdict.Level,-22} {(verdict.Passed ? "pass" : "FAIL " + verdict.Token)}{(verdict.Detail is null ? string.Empty : " — " + verdict.Detail)}");
            }

            foreach (var finding in address.Findings)
            {
                output.WriteLine($"  ! {finding}");
            }

            if (address.Error is not null)
            {
                output.WriteLine($"  error: {address.Error}");
            }
        }

        foreach (var finding in report.Findings)
        {
            output.WriteLine($"! {finding}");
        }
    }
}
