using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;
using MailFlow.Management;
using MailFlow.Testing;
using MailFlow.Transport.Delivery;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// The seed reproduced with real components — a running SERVER1, a sender validating hybrid.domain.com,
/// and this module's own Format-List dumps — then diagnosed from those artefacts alone.
/// </summary>
public sealed class DiagnoseRealOutputTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(Logs.CertificateLogFormat.MultiLine)]
    [InlineData(Logs.CertificateLogFormat.SingleLine)]
    public async Task Diagnose_names_RC01_from_MailFlows_own_logs_and_dumps(Logs.CertificateLogFormat certificateFormat)
    {
        var (data, port) = ChildServer.Prepare(root);
        using var ca = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab");
        string thumbprint;
        using (var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"] }))
        {
            var administration = ServerAdministration.Open(data);
            thumbprint = administration.CertificateStore.Add(hybrid, [], ExchangeServices.SMTP, "hybrid").Thumbprint;
            administration.Configuration.Update(c => c.Transport.ProtocolLogCertificateFormat = certificateFormat);
        }

        string reason;
        using (var server = await ChildServer.StartAsync(data))
        {
            var sender = new MailFlowConfiguration { Server = new ServerIdentity { Name = "EOP", Fqdn = "mail.protection.outlook.test" } };
            sender.HostsOverride["hybrid.domain.com"] = "127.0.0.1";
            var connector = new SendConnector
            {
                Name = "Outbound to hybrid", AddressSpaces = ["domain.com"], DNSRoutingEnabled = false, SmartHosts = [$"hybrid.domain.com:{port}"],
                RequireTLS = true, TlsAuthLevel = TlsAuthLevel.DomainValidation, TlsDomain = "hybrid.domain.com",
            };
            var attempt = await new OutboundDelivery(sender, TrustAnchors.FromCertificates(ca.Certificate))
                .SendAsync(connector, "a@tenant.test", ["user@domain.com"], "Subject: x\r\n\r\nx\r\n"u8.ToArray(), CancellationToken.None);
            reason = attempt.Reason!;
            using (var stop = System.Diagnostics.Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await stop.WaitForExitAsync();
            }

            await server.WaitForExitAsync(); // SIGTERM: the protocol log is flushed on the way out
        }

        using var shell = new ModuleHost(data.Root);
        var certificates = Path.Combine(root, "certs.txt");
        var connectors = Path.Combine(root, "connectors.txt");
        await File.WriteAllTextAsync(certificates, shell.Run("Get-ExchangeCertificate | fl | Out-String -Width 4096").Text);
        await File.WriteAllTextAsync(connectors, shell.Run("Get-ReceiveConnector | fl | Out-String -Width 4096").Text);

        var diagnosis = Diagnoser.Run(new DiagnosisRequest { Reason = reason, Logs = [Path.Combine(data.Logs, "ProtocolLog", "SmtpReceive")], Certificates = certificates, Connectors = connectors });

        var top = diagnosis.Findings[0];
        Assert.Equal("RC01", top.RootCause);
        Assert.True(top.Confidence == Confidence.High, string.Join(Environment.NewLine, top.Evidence.Select(e => $"{e.Source}: {e.Says}").Concat(top.Missing)));
        Assert.Contains($"$tlscert=Get-ExchangeCertificate {thumbprint}", top.Fix);
        Assert.Contains("Get-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" | Set-ReceiveConnector -TlsCertificateName $tlscertname", top.Fix);
        Assert.Contains(top.Evidence, e => e.Says.Contains("sent CN=SERVER1", StringComparison.Ordinal));
        Assert.True(Assert.Single(diagnosis.Predictions, p => p.Connector == "SERVER1\\Default Frontend SERVER1").Agrees);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
