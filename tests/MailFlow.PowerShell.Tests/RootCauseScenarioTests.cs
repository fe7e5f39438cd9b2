using System.Diagnostics;
using System.Globalization;
using System.Net;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Management;
using MailFlow.Testing;
using MailFlow.Transport.Delivery;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// Root causes reproduced with MailFlow's real transport (not hand-written fixtures): a receiving server
/// in the misconfiguration, a sender validating hybrid.domain.com like Exchange Online, and then
/// diagnose on the artefacts alone — the sender's reason, the receiver's SmtpReceive log, and the
/// module's Format-List dumps.
/// </summary>
public sealed class RootCauseScenarioTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private readonly CertificateAuthority ca = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab");

    [Theory]
    [InlineData(Logs.CertificateLogFormat.MultiLine)]
    [InlineData(Logs.CertificateLogFormat.SingleLine)]
    public async Task RC01_the_seed_TlsCertificateName_empty_so_CN_SERVER1_is_presented(Logs.CertificateLogFormat certificateFormat)
    {
        var thumbprint = string.Empty;
        var server = Server("seed", "127.0.0.1", administration =>
        {
            using var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
            thumbprint = administration.CertificateStore.Add(hybrid, [], ExchangeServices.SMTP, "hybrid").Thumbprint; // installed, never named
            administration.Configuration.Update(c => c.Transport.ProtocolLogCertificateFormat = certificateFormat);
        });

        var diagnosis = Diagnose((await SendAsync(server))!, [server]);

        var top = diagnosis.Findings[0];
        Assert.Equal("RC01", top.RootCause);
        Assert.Equal(Diagnostics.RootCauses.Confidence.High, top.Confidence);
        Assert.Contains($"$tlscert=Get-ExchangeCertificate {thumbprint}", top.Fix);
        Assert.Contains("Get-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" | Set-ReceiveConnector -TlsCertificateName $tlscertname", top.Fix);
        Assert.Contains(top.Evidence, e => e.Says.Contains("sent CN=SERVER1", StringComparison.Ordinal));
        Assert.True(Assert.Single(diagnosis.Predictions, p => p.Connector == "SERVER1\\Default Frontend SERVER1").Agrees);
    }

    [Fact]
    public async Task RC02_two_servers_behind_one_name_only_one_fixed()
    {
        var fixedServer = Server("fixed", "127.0.0.1", administration => UseHybridCertificate(administration, issue: true));
        var unfixed = Server("unfixed", "127.0.0.2", administration => UseHybridCertificate(administration, issue: false));

        var first = await SendAsync(fixedServer);
        var second = await SendAsync(unfixed);

        Assert.Null(first);
        var diagnosis = Diagnose(second!, [fixedServer, unfixed]);
        Assert.Equal("RC02", Top(diagnosis));
    }

    [Fact]
    public async Task RC03_TlsCertificateName_names_a_certificate_that_was_removed()
    {
        var server = Server("stale", "127.0.0.1", administration =>
        {
            var thumbprint = UseHybridCertificate(administration, issue: true);
            Directory.Delete(Path.Combine(administration.Data.Certificates, thumbprint), recursive: true); // removed behind Exchange's back
        });

        var reason = await SendAsync(server);

        Assert.Contains("STARTTLS is required", reason, StringComparison.Ordinal);
        Assert.Equal("RC03", Top(Diagnose(reason!, [server])));
    }

    [Fact]
    public async Task RC05_the_certificate_expired()
    {
        var server = Server("expired", "127.0.0.1", administration => UseHybridCertificate(administration, issue: true, notAfter: DateTimeOffset.UtcNow.AddDays(-1)));

        var reason = await SendAsync(server);

        Assert.Contains("{MSG=NotTimeValid}", reason, StringComparison.Ordinal);
        Assert.Equal("RC05", Top(Diagnose(reason!, [server])));
    }

    [Fact]
    public async Task RC06_the_server_sends_its_leaf_without_the_intermediate()
    {
        using var intermediate = ca.CreateIntermediate("CN=Lab Issuing CA, O=MailFlow Lab");
        var server = Server("leafonly", "127.0.0.1", administration =>
        {
            using var leaf = intermediate.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
            administration.CertificateStore.Add(leaf, [], ExchangeServices.SMTP, "leaf only");
            administration.Configuration.Update(c => c.ReceiveConnectors[0].TlsCertificateName = $"<I>{leaf.Issuer}<S>{leaf.Subject}");
        });

        var reason = await SendAsync(server);

        Assert.Contains("UntrustedRoot", reason, StringComparison.Ordinal);
        Assert.Equal("RC06", Top(Diagnose(reason!, [server])));
    }

    [Fact]
    public async Task RC04_the_send_connector_names_a_certificate_that_is_not_there()
    {
        var server = Server("receiver", "127.0.0.1", administration => UseHybridCertificate(administration, issue: true));

        var reason = await SendAsync(server, tune: c => c.TlsCertificateName = "<I>CN=Lab Public CA, O=MailFlow Lab<S>CN=relay.tenant.test");

        Assert.StartsWith("454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found.", reason, StringComparison.Ordinal);
        Assert.Equal("RC04", Top(Diagnoser.Run(new DiagnosisRequest { Reason = reason })));
    }

    [Theory]
    [InlineData(ReasonFormat.Brace)]
    [InlineData(ReasonFormat.Bracket)]
    public async Task RC09_the_sender_expects_a_name_the_right_certificate_does_not_carry(ReasonFormat format)
    {
        var server = Server("tlsdomain", "127.0.0.1", administration => UseHybridCertificate(administration, issue: true)); // the receiver is right

        var reason = await SendAsync(server, tune: c => c.TlsDomain = "mail.domain.com", format: format);

        Assert.Contains("SubjectMismatch", reason, StringComparison.Ordinal);
        var diagnosis = Diagnose(reason!, [server]);
        Assert.Equal("RC09", Top(diagnosis));
        Assert.Equal(Diagnostics.RootCauses.Confidence.High, diagnosis.Findings[0].Confidence);
        Assert.Contains("Set-OutboundConnector \"<connector>\" -TlsSettings DomainValidation -TlsDomain hybrid.domain.com", diagnosis.Findings[0].Fix);
        Assert.DoesNotContain(diagnosis.Findings, f => f.RootCause == "RC01"); // nothing on the receiver needs changing
    }

    [Fact]
    public async Task RC10_a_device_in_front_answers_with_its_own_certificate()
    {
        // SERVER1 is configured correctly; the sender reaches a "device" (another listener with its own certificate) instead.
        var server1 = Server("server1", "127.0.0.1", administration => UseHybridCertificate(administration, issue: true));
        var device = Server("device", "127.0.0.2", administration =>
        {
            using var own = ca.IssueServerCertificate(new ServerCertificateSpec("CN=fw.domain.com") { DnsNames = ["fw.domain.com"] });
            administration.CertificateStore.Add(own, [], ExchangeServices.SMTP, "firewall");
            administration.Configuration.Update(c => c.ReceiveConnectors[0].TlsCertificateName = $"<I>{own.Issuer}<S>{own.Subject}");
        });
        Assert.Null(await SendAsync(server1)); // SERVER1 itself is fine and logs its own certificate

        var reason = await SendAsync(device, format: ReasonFormat.Bracket);

        Assert.Contains("Presented Subject: CN=fw.domain.com", reason, StringComparison.Ordinal);
        Assert.Equal("RC10", Top(Diagnose(reason!, [server1])));
    }

    [Fact]
    public async Task RC11_SMTP_inspection_on_a_firewall_strips_STARTTLS()
    {
        var server = Server("inspected", "127.0.0.1", administration => UseHybridCertificate(administration, issue: true));
        using var process = await ChildServer.StartAsync(new DataDirectory(server.Root));
        await using var firewall = new Lab.SmtpInspectionProxy(IPAddress.Parse("127.0.0.2"), new IPEndPoint(IPAddress.Loopback, server.Port));

        var reason = await SendAsync(("unused", "127.0.0.2", firewall.Endpoint.Port), start: false);
        var probe = await Diagnostics.Probe.SmtpProbe.ProbeAsync("127.0.0.2", firewall.Endpoint.Port, new Diagnostics.Probe.ProbeOptions { Expect = "hybrid.domain.com" });
        process.Kill();
        await process.WaitForExitAsync();

        Assert.Contains("STARTTLS is required", reason, StringComparison.Ordinal);
        var diagnosis = Diagnoser.Run(new DiagnosisRequest { Reason = reason, Probe = probe });
        Assert.Equal("RC11", Top(diagnosis));
        Assert.Contains(diagnosis.Findings[0].Evidence, e => e.Says.StartsWith("banner-masked", StringComparison.Ordinal) || e.Says.StartsWith("ehlo-masked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RC14_a_front_end_picks_its_certificate_by_SNI_and_the_default_is_wrong()
    {
        using var named = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
        using var fallback = SelfSignedCertificateFactory.Create(new SelfSignedCertificateSpec("CN=lb.domain.com"));
        await using var frontEnd = new SniFrontEnd("hybrid.domain.com", named, fallback);

        var probe = await Diagnostics.Probe.SmtpProbe.ProbeAsync("hybrid.domain.com", frontEnd.Port,
            new Diagnostics.Probe.ProbeOptions { HostsOverride = new Dictionary<string, string> { ["hybrid.domain.com"] = "127.0.0.1" }, Anchors = TrustAnchors.FromCertificates(ca.Certificate) });

        Assert.Equal("CN=hybrid.domain.com", probe.Addresses[0].Chain[0].Subject); // with SNI, as MailKit and most senders send it
        Assert.Equal("RC14", Top(Diagnoser.Run(new DiagnosisRequest { Probe = probe })));
    }

    [Fact]
    public async Task A_handshake_that_breaks_is_reported_in_Exchanges_nested_form_and_explained_as_a_TLS_mismatch()
    {
        using var named = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] });
        await using var middlebox = new SniFrontEnd("hybrid.domain.com", named, named, breakHandshake: true);

        var reason = await SendAsync(("unused", "127.0.0.1", middlebox.Port), start: false);

        Assert.Equal("450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS negotiation failed with error SocketError]", reason);
        var explanation = Diagnostics.RootCauses.ReasonExplainer.Explain(reason);
        Assert.Equal("SocketError", explanation.Reason.TlsError);
        Assert.Equal("RC12", explanation.Candidates[0].Cause.Id);
    }

    [Fact]
    public async Task RC21_nothing_listens()
    {
        var reason = await SendAsync((Path.Combine(root, "nobody"), "127.0.0.1", Ports.Free()), start: false);

        Assert.Contains("4.4.316", reason, StringComparison.Ordinal);
        Assert.Equal("RC21", Top(Diagnoser.Run(new DiagnosisRequest { Reason = reason })));
    }

    public void Dispose()
    {
        ca.Dispose();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Top(Diagnosis diagnosis) =>
        diagnosis.Findings.Count > 0 ? diagnosis.Findings[0].RootCause : "(none: " + string.Join("; ", diagnosis.Notes) + ")";

    /// <summary>A SERVER1 data directory whose Default Frontend listens on <paramref name="address"/>.</summary>
    private (string Root, string Address, int Port) Server(string name, string address, Action<ServerAdministration> configure)
    {
        var (data, port) = ChildServer.Prepare(Path.Combine(root, name), c => c.Bindings = [$"{address}:{Ports.Free()}"]);
        var administration = ServerAdministration.Open(data);
        configure(administration);
        var binding = administration.Configuration.Load().ReceiveConnectors[0].Bindings[0];
        return (data.Root, address, int.Parse(binding[(binding.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
    }

    private string UseHybridCertificate(ServerAdministration administration, bool issue, DateTimeOffset? notAfter = null)
    {
        if (!issue)
        {
            return string.Empty; // the embedded default: CN=SERVER1, self-signed
        }

        using var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com")
        {
            DnsNames = ["hybrid.domain.com"],
            NotBefore = (notAfter ?? DateTimeOffset.UtcNow).AddDays(-30),
            NotAfter = notAfter ?? DateTimeOffset.UtcNow.AddYears(1),
        });
        var added = administration.CertificateStore.Add(hybrid, [], ExchangeServices.SMTP, "hybrid");
        administration.Configuration.Update(c => c.ReceiveConnectors[0].TlsCertificateName = $"<I>{hybrid.Issuer}<S>{hybrid.Subject}");
        return added.Thumbprint;
    }

    /// <summary>Starts the server, sends one message as Exchange Online would (DomainValidation), stops the server with SIGTERM; returns the reason or null when delivered.</summary>
    private async Task<string?> SendAsync((string Root, string Address, int Port) server, bool start = true, Action<SendConnector>? tune = null, ReasonFormat format = ReasonFormat.Brace)
    {
        using var process = start ? await ChildServer.StartAsync(new DataDirectory(server.Root)) : null;
        var sender = new MailFlowConfiguration { Server = new ServerIdentity { Name = "EOP", Fqdn = "mail.protection.outlook.test" } };
        sender.HostsOverride["hybrid.domain.com"] = server.Address;
        var connector = new SendConnector
        {
            Name = "Outbound to hybrid", AddressSpaces = ["domain.com"], DNSRoutingEnabled = false, SmartHosts = [$"hybrid.domain.com:{server.Port}"],
            RequireTLS = true, TlsAuthLevel = TlsAuthLevel.DomainValidation, TlsDomain = "hybrid.domain.com",
        };
        tune?.Invoke(connector);
        var attempt = await new OutboundDelivery(sender, TrustAnchors.FromCertificates(ca.Certificate), format)
            .SendAsync(connector, "a@tenant.test", ["user@domain.com"], "Subject: x\r\n\r\nx\r\n"u8.ToArray(), CancellationToken.None);
        if (process is not null)
        {
            using (var stop = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await stop.WaitForExitAsync();
            }

            await process.WaitForExitAsync(); // the protocol log is flushed on the way out
        }

        var outcome = attempt.Recipients["user@domain.com"];
        return outcome.Delivered ? null : attempt.Reason ?? outcome.Status;
    }

    /// <summary>diagnose on the artefacts: the reason, every server's SmtpReceive log, and each server's dumps.</summary>
    private Diagnosis Diagnose(string reason, IReadOnlyList<(string Root, string Address, int Port)> servers)
    {
        var certificates = Path.Combine(root, Guid.NewGuid().ToString("N") + "-certs.txt");
        var connectors = Path.Combine(root, Guid.NewGuid().ToString("N") + "-connectors.txt");
        foreach (var server in servers)
        {
            using var shell = new ModuleHost(server.Root);
            File.AppendAllText(certificates, shell.Run("Get-ExchangeCertificate | fl | Out-String -Width 4096").Text);
            File.AppendAllText(connectors, shell.Run("Get-ReceiveConnector | fl | Out-String -Width 4096").Text);
        }

        return Diagnoser.Run(new DiagnosisRequest
        {
            Reason = reason,
            Logs = servers.Select(s => Path.Combine(s.Root, "logs", "ProtocolLog", "SmtpReceive")).ToList(),
            Certificates = certificates,
            Connectors = connectors,
        });
    }
}
