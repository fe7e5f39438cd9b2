using System.Diagnostics;
using System.Text.Json;
using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Logs;
using MailFlow.Logs.Reading;
using MailFlow.Management;
using MailFlow.Management.Connectors;
using MailFlow.Queue;
using MailFlow.Smtp.Server;
using MailFlow.Testing;
using MailFlow.Transport.Delivery;

namespace MailFlow.Transport.Tests;

/// <summary>
/// MailFlow's own SmtpSend, SmtpReceive and tracking logs, made by real traffic (a tenant delivering over
/// STARTTLS with a client certificate to SERVER1's receive service on loopback, as in the seed), checked
/// against the order and fields Exchange writes (exchange-semantics.md §3–4, docs/decisions/0022), and
/// read back by an independent reader: PowerShell's ConvertFrom-Csv in the pwsh tool.
/// </summary>
public sealed class LogFidelityTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task SmtpSend_rows_carry_the_local_endpoint_of_the_outbound_connection()
    {
        var run = await DeliverAsync(serverPresentsHybrid: true);

        var rows = SendRows(run);
        var connected = rows.First(r => r["event"] == "+");
        Assert.Matches(@"^127\.0\.0\.1:\d+$", connected["local-endpoint"]);
        Assert.NotEqual($"127.0.0.1:{run.Port}", connected["local-endpoint"]); // the ephemeral port, not the receiver's
        Assert.All(rows.Where(r => r["session-id"] == connected["session-id"]), r => Assert.Equal(connected["local-endpoint"], r["local-endpoint"]));
        // SERVER1's SmtpReceive log sees the same connection from the other end.
        var received = ReceiveRows(run).First(r => r["event"] == "+");
        Assert.Equal(connected["local-endpoint"], received["remote-endpoint"]);
    }

    [Fact]
    public async Task SmtpSend_session_starts_with_plus_the_client_certificate_follows_the_STARTTLS_reply_and_nothing_follows_minus()
    {
        var run = await DeliverAsync(serverPresentsHybrid: true);

        var events = SendRows(run).Select(r => (Event: r["event"]!, Data: r["data"] ?? string.Empty, Context: r["context"] ?? string.Empty)).ToList();
        Assert.Equal("+", events[0].Event);
        Assert.Equal("-", events[^1].Event);
        var startTls = events.FindIndex(e => e is { Event: ">", Data: "STARTTLS" });
        var sending = events.FindIndex(e => e is { Event: "*", Context: "Sending certificate" });
        Assert.True(startTls > 0 && events[startTls + 1].Event == "<" && events[startTls + 1].Data.StartsWith("220 ", StringComparison.Ordinal), "STARTTLS and its 220");
        Assert.Equal(startTls + 2, sending); // KB-NOCRED: the client certificate is logged when the handshake starts
        Assert.Equal("CN=relay.tenant.test", events[sending + 1].Data);
    }

    [Fact]
    public async Task SmtpSend_TLS_success_line_is_written_right_after_the_handshake_before_the_received_certificate_and_the_second_EHLO()
    {
        var run = await DeliverAsync(serverPresentsHybrid: true);

        var events = SendRows(run).Select(r => (Event: r["event"]!, Data: r["data"] ?? string.Empty, Context: r["context"] ?? string.Empty)).ToList();
        var tls = events.FindIndex(e => e.Event == "*" && e.Context.StartsWith("TLS protocol SP_PROT_TLS1_", StringComparison.Ordinal));
        var received = events.FindIndex(e => e is { Event: "*", Context: "Received certificate" });
        var secondEhlo = events.FindLastIndex(e => e.Event == ">" && e.Data.StartsWith("EHLO ", StringComparison.Ordinal));
        var sendingEnd = events.FindIndex(e => e is { Event: "*", Context: "Certificate alternate names" });
        Assert.True(tls > 0, "TLS success line");
        Assert.Equal(tls + 1, received); // CN-CASE: TLS protocol …, Received certificate, Certificate thumbprint
        Assert.True(tls < secondEhlo, "the TLS line precedes the EHLO sent over TLS");
        Assert.Matches("^TLS protocol SP_PROT_TLS1_[23]_CLIENT negotiation succeeded using bulk encryption algorithm CALG_AES_(128|256) with strength (128|256) bits, MAC hash algorithm CALG_SHA_(256|384) with strength 0 bits and key exchange algorithm CALG_ECDHE with strength 256 bits$", events[tls].Context);
        Assert.Equal(tls - 1, sendingEnd); // the client's certificate block ends just before the handshake result
        // The protocol and suite are this connection's: SERVER1's SmtpReceive log names the same ones, server side.
        var serverLine = ReceiveRows(run).Single(r => r["context"]?.StartsWith("TLS protocol ", StringComparison.Ordinal) == true)["context"]!;
        Assert.Equal(serverLine.Replace("_SERVER negotiation", "_CLIENT negotiation", StringComparison.Ordinal), events[tls].Context);
    }

    [Fact]
    public async Task A_handshake_MailFlow_aborts_on_the_certificate_logs_Exchange_failure_line_before_minus()
    {
        var run = await DeliverAsync(serverPresentsHybrid: false);

        Assert.Equal(MessageState.Retry, run.State);
        var events = SendRows(run).Select(r => (Event: r["event"]!, Data: r["data"] ?? string.Empty, Context: r["context"] ?? string.Empty)).ToList();
        Assert.Equal("+", events[0].Event);
        Assert.Equal("-", events[^1].Event);
        Assert.Single(events, e => e.Event == "-");
        Assert.Equal(("*", string.Empty, "TLS negotiation failed with error SubjectMismatch"), events[^2]);
        Assert.Contains(events, e => e is { Event: "*", Data: "CN=SERVER1", Context: "Certificate subject" }); // what SERVER1 presented
    }

    [Fact]
    public async Task Tracking_SEND_names_both_ends_of_the_connection_and_the_SmtpSend_session()
    {
        var run = await DeliverAsync(serverPresentsHybrid: true);

        var send = Assert.Single(TrackingRows(run.TenantTracking), r => r["event-id"] == "SEND");
        Assert.Equal("127.0.0.1", send["client-ip"]);
        Assert.Equal("127.0.0.1", send["server-ip"]);
        Assert.Equal("hybrid.domain.com", send["server-hostname"]);
        var sessionId = SendRows(run).First(r => r["event"] == "+")["session-id"];
        Assert.Matches($"^{sessionId};250 2\\.6\\.0 <seed@tenant\\.test> \\[InternalId=\\d+, Hostname=SERVER1\\.domain\\.com\\] Queued mail for delivery;ClientSubmitTime:$", send["source-context"]);
    }

    [Fact]
    public async Task A_SEND_written_again_at_start_up_keeps_both_addresses()
    {
        var run = await DeliverAsync(serverPresentsHybrid: true);
        var file = Directory.GetFiles(run.TenantTracking).Single();
        File.WriteAllLines(file, File.ReadAllLines(file).Where(l => !l.Contains(",SEND,", StringComparison.Ordinal))); // the crash took it

        using (var queue = new QueueDatabase(run.TenantQueue))
        {
            await TrackingReconciliation.RunAsync(queue, run.TenantTracking, LogRotation.ExchangeProtocolDefaults);
        }

        var send = Assert.Single(TrackingRows(run.TenantTracking), r => r["event-id"] == "SEND");
        Assert.Equal((TrackingReconciliation.RecoveredSourceContext, "127.0.0.1", "127.0.0.1", "hybrid.domain.com"),
            (send["source-context"], send["client-ip"], send["server-ip"], send["server-hostname"]));
    }

    public static TheoryData<ExchangeVersion, string, int> Versions => new()
    {
        { ExchangeVersion.Exchange2013, "15.00.1104.000", 27 },
        { ExchangeVersion.Exchange2016, "15.01.2375.007", 30 },
        { ExchangeVersion.Exchange2019, "15.02.1118.007", 30 },
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Tracking_version_and_fields_follow_the_emulated_Exchange_version(ExchangeVersion version, string build, int fieldCount)
    {
        var run = await DeliverAsync(serverPresentsHybrid: true, version);

        foreach (var directory in new[] { run.TenantTracking, run.Server1Tracking })
        {
            var header = File.ReadLines(Directory.GetFiles(directory).Single()).TakeWhile(l => l.StartsWith('#')).ToList();
            Assert.Contains($"#Version: {build}", header);
            var fields = header.Single(l => l.StartsWith("#Fields: ", StringComparison.Ordinal))["#Fields: ".Length..].Split(',');
            Assert.Equal(fieldCount, fields.Length);
            Assert.Equal(fieldCount == 27 ? "custom-data" : "schema-version", fields[^1]);
            Assert.All(TrackingRows(directory), r => Assert.Equal(fieldCount, r.Values.Count));
            if (fieldCount == 30)
            {
                Assert.All(TrackingRows(directory), r => Assert.Equal(build, r["schema-version"]));
            }
        }

        // Protocol logs keep 15.0.0.0 in every version, as real 2013, 2016 and 2019 files do (decision 0022).
        Assert.Contains("#Version: 15.0.0.0", File.ReadLines(Directory.GetFiles(run.TenantSend).Single()).Take(5));
        Assert.Contains("#Version: 15.0.0.0", File.ReadLines(Directory.GetFiles(run.Server1Receive).Single()).Take(5));
    }

    /// <summary>
    /// The logs read by an independent CSV reader: pwsh's ConvertFrom-Csv with each file's #Fields as the
    /// header, as admins read Exchange's logs. Every row has exactly the header's field count (a marker
    /// appended to the line lands in a sentinel column after the last field), sessions group by session-id with
    /// <c>+</c> first and <c>-</c> last in sequence order, and tracking rows parse with the emulated
    /// version's field list.
    /// </summary>
    [Theory]
    [InlineData(ExchangeVersion.Exchange2013)]
    [InlineData(ExchangeVersion.Exchange2019)]
    public async Task PowerShell_ConvertFrom_Csv_reads_every_log_MailFlow_wrote(ExchangeVersion version)
    {
        var pwsh = Pwsh.Find();
        Assert.True(pwsh is not null, "pwsh was not found: ./test.sh installs the PowerShell 7.6.9 tool under .tools/pwsh and sets MAILFLOW_PWSH");
        var run = await DeliverAsync(serverPresentsHybrid: true, version);
        var files = new[] { run.TenantSend, run.Server1Receive, run.TenantTracking, run.Server1Tracking }.SelectMany(Directory.GetFiles).ToList();
        var script = Path.Combine(root, "read-logs.ps1");
        await File.WriteAllTextAsync(script, """
            param([string] $Files)
            $ErrorActionPreference = 'Stop'
            $report = foreach ($file in $Files.Split('|')) {
                $lines = Get-Content -LiteralPath $file
                $fields = ($lines | Where-Object { $_.StartsWith('#Fields: ') } | Select-Object -First 1).Substring(9).Split(',')
                # A marker appended to each line lands in the sentinel column only when the row has exactly the header's fields.
                $rows = @($lines | Where-Object { -not $_.StartsWith('#') } | ForEach-Object { $_ + ',END-OF-ROW' } | ConvertFrom-Csv -Header ($fields + 'sentinel'))
                $bad = @($rows | Where-Object { $_.sentinel -ne 'END-OF-ROW' }).Count
                $sessions = @()
                if ($fields -contains 'session-id') {
                    $sessions = @($rows | Group-Object 'session-id' | ForEach-Object {
                        $ordered = @($_.Group | Sort-Object { [int]$_.'sequence-number' })
                        [pscustomobject]@{ Id = $_.Name; First = $ordered[0].event; Last = $ordered[-1].event; Count = $ordered.Count; Contiguous = ($ordered[-1].'sequence-number' -eq ($ordered.Count - 1)) }
                    })
                }
                $send = @($rows | Where-Object { $_.'event-id' -eq 'SEND' } | ForEach-Object { [pscustomobject]@{ ClientIp = $_.'client-ip'; ServerIp = $_.'server-ip'; ServerHostname = $_.'server-hostname'; SourceContext = $_.'source-context' } })
                [pscustomobject]@{
                    File = $file
                    Version = ($lines | Where-Object { $_.StartsWith('#Version: ') } | Select-Object -First 1).Substring(10)
                    FieldCount = $fields.Count
                    Rows = $rows.Count
                    BadRows = $bad
                    Sessions = $sessions
                    Send = $send
                }
            }
            ConvertTo-Json -InputObject @($report) -Depth 5
            """);
        var start = new ProcessStartInfo(pwsh!) { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["NO_COLOR"] = "1", ["POWERSHELL_TELEMETRY_OPTOUT"] = "1" } };
        foreach (var arg in new[] { "-NoProfile", "-NonInteractive", "-File", script, "-Files" }.Append(string.Join('|', files)))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, errors);

        var report = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal(files.Count, report.Count);
        foreach (var file in report)
        {
            var name = file.GetProperty("File").GetString()!;
            Assert.True(file.GetProperty("Rows").GetInt32() > 0, name);
            Assert.True(file.GetProperty("BadRows").GetInt32() == 0, $"{name}: rows without exactly {file.GetProperty("FieldCount").GetInt32()} fields");
            var tracking = name.Contains("MessageTracking", StringComparison.Ordinal);
            Assert.Equal(tracking ? (version == ExchangeVersion.Exchange2013 ? 27 : 30) : 9, file.GetProperty("FieldCount").GetInt32());
            Assert.Equal(tracking ? (version == ExchangeVersion.Exchange2013 ? "15.00.1104.000" : "15.02.1118.007") : "15.0.0.0", file.GetProperty("Version").GetString());
            foreach (var session in tracking ? [] : file.GetProperty("Sessions").EnumerateArray())
            {
                Assert.Equal("+", session.GetProperty("First").GetString());
                Assert.Equal("-", session.GetProperty("Last").GetString());
                Assert.True(session.GetProperty("Contiguous").GetBoolean(), $"{name}: sequence numbers of {session.GetProperty("Id").GetString()}");
            }
        }

        var send = Assert.Single(report.SelectMany(f => f.GetProperty("Send").EnumerateArray()));
        Assert.Equal("127.0.0.1", send.GetProperty("ClientIp").GetString());
        Assert.Equal("127.0.0.1", send.GetProperty("ServerIp").GetString());
        Assert.Equal("hybrid.domain.com", send.GetProperty("ServerHostname").GetString());
        Assert.EndsWith(";ClientSubmitTime:", send.GetProperty("SourceContext").GetString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static List<LogRow> SendRows(Run run) => ExchangeLogReader.Files(run.TenantSend).SelectMany(new ExchangeLogReader().Read).ToList();

    private static List<LogRow> ReceiveRows(Run run) => ExchangeLogReader.Files(run.Server1Receive).SelectMany(new ExchangeLogReader().Read).Where(r => r["connector-id"] == @"SERVER1\Default Frontend SERVER1").ToList();

    private static List<LogRow> TrackingRows(string directory) => ExchangeLogReader.Files(directory).SelectMany(new ExchangeLogReader().Read).ToList();

    /// <summary>
    /// The seed's two transports: the tenant sends through "Outbound to hybrid" (RequireTLS, DomainValidation,
    /// client certificate CN=relay.tenant.test) to SERVER1, which presents hybrid.domain.com or, unfixed, CN=SERVER1.
    /// </summary>
    private async Task<Run> DeliverAsync(bool serverPresentsHybrid, ExchangeVersion version = ExchangeVersion.Exchange2016)
    {
        using var ca = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab");
        var port = Ports.Free();
        var server1 = ServerAdministration.Open(new DataDirectory(Path.Combine(root, "server1")), identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com", ExchangeVersion = version });
        server1.Configuration.Update(c =>
        {
            c.ReceiveConnectors.RemoveAll(r => r.Name != "Default Frontend SERVER1");
            c.ReceiveConnectors[0].Bindings = [$"127.0.0.1:{port}"];
            c.Mailboxes.Add(new Mailbox { Name = "User", PrimarySmtpAddress = "user@domain.com" });
        });
        using (var hybrid = ca.IssueServerCertificate(new ServerCertificateSpec("CN=hybrid.domain.com") { DnsNames = ["hybrid.domain.com"], Key = KeyAlgorithm.Rsa2048 }))
        {
            var added = server1.CertificateStore.Add(hybrid, [], ExchangeServices.SMTP, "hybrid");
            if (serverPresentsHybrid)
            {
                new ReceiveConnectorCommands(server1).Set(@"SERVER1\Default Frontend SERVER1", new Dictionary<string, string?> { ["TlsCertificateName"] = $"<I>{added.Issuer}<S>{added.Subject}" });
            }
        }

        using var client = ca.IssueServerCertificate(new ServerCertificateSpec("CN=relay.tenant.test") { DnsNames = ["relay.tenant.test"] });
        var tenant = ServerAdministration.Open(new DataDirectory(Path.Combine(root, "tenant")), identity: new ServerIdentity { Name = "EOP", Fqdn = "mail.protection.outlook.test", ExchangeVersion = version });
        tenant.Configuration.Update(c =>
        {
            c.HostsOverride["hybrid.domain.com"] = "127.0.0.1";
            c.SendConnectors.Add(new SendConnector
            {
                Name = "Outbound to hybrid",
                AddressSpaces = ["domain.com"],
                DNSRoutingEnabled = false,
                SmartHosts = [$"hybrid.domain.com:{port}"],
                RequireTLS = true,
                TlsAuthLevel = TlsAuthLevel.DomainValidation,
                TlsDomain = "hybrid.domain.com",
                TlsCertificateName = SmtpX509Identifier.For(client).ToString(),
                ProtocolLoggingLevel = ProtocolLoggingLevel.Verbose,
            });
        });
        var tenantSpool = new Spool(tenant.Data.Queue);
        using (var transaction = tenantSpool.Begin(new SpooledEnvelope
        {
            Id = Guid.CreateVersion7().ToString("N"), InternalId = 1, ReceivedUtc = DateTimeOffset.UtcNow, ConnectorId = "Default Frontend EOP", SessionId = "0000000000000001",
            ClientAddress = "192.0.2.1", ClientHelo = "tenant.test", MailFrom = "tenant-sender@tenant.test", Recipients = [new SpooledRecipient("user@domain.com")],
        }))
        {
            transaction.Write("Message-ID: <seed@tenant.test>\r\nSubject: hello on-premises\r\n\r\nline one\r\n"u8.ToArray());
            transaction.Commit();
        }

        var run = new Run(Path.Combine(tenant.Data.Logs, "SmtpSend"), Path.Combine(tenant.Data.Logs, "MessageTracking"),
            Path.Combine(server1.Data.Logs, "ProtocolLog", "SmtpReceive"), Path.Combine(server1.Data.Logs, "MessageTracking"), tenant.Data.Queue, port);
        var configuration = tenant.Configuration.Load();
        await using (var tracking = new ExchangeLogWriter(run.TenantTracking, ExchangeLogFormat.MessageTrackingFor(version), LogRotation.ExchangeProtocolDefaults))
        await using (var sendLog = new ExchangeLogWriter(run.TenantSend, ExchangeLogFormat.SmtpSend, LogRotation.ExchangeProtocolDefaults))
        {
            using var queue = new QueueDatabase(tenant.Data.Queue);
            var agent = new DeliveryAgent(configuration, queue, tenantSpool, new MaildirDelivery(tenant.Data.Mailboxes, "EOP"),
                new OutboundDelivery(configuration, TrustAnchors.FromCertificates(ca.Certificate), sendLog: new ProtocolLog(sendLog, CertificateLogFormat.MultiLine),
                    certificates: [new ExchangeCertificate(client, [], ExchangeServices.SMTP, "relay")]),
                new MessageTrackingLog(tracking));
            await using (var receiver = ReceiveService.Start(server1.Data, server1.Configuration.Load(), server1.CertificateStore.List().Certificates, lowestBindablePort: 0))
            {
                Assert.Equal(1, await agent.RunOnceAsync());
                await receiver.StopAsync(TimeSpan.FromSeconds(5));
            }

            run.State = queue.All().Single().State;
        }

        return run;
    }

    private sealed record Run(string TenantSend, string TenantTracking, string Server1Receive, string Server1Tracking, string TenantQueue, int Port)
    {
        public MessageState State { get; set; }
    }
}
