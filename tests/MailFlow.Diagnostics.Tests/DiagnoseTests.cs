using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Tests;

/// <summary><c>mailflow diagnose</c> on the seed case as the article gives it: reason, SmtpReceive lines, certificate and connector dumps.</summary>
public sealed class DiagnoseTests
{
    private static readonly string Seed = Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed");

    private static DiagnosisRequest SeedRequest() => new()
    {
        Reason = File.ReadAllText(Path.Combine(Seed, "reason.txt")),
        Logs = [Seed],
        Certificates = Path.Combine(Seed, "Get-ExchangeCertificate.txt"),
        Connectors = Path.Combine(Seed, "Get-ReceiveConnector.txt"),
    };

    [Fact]
    public void The_seed_is_RC01_with_evidence_by_file_and_line_and_the_articles_fix()
    {
        var diagnosis = Diagnoser.Run(SeedRequest());

        var top = diagnosis.Findings[0];
        Assert.Equal("RC01", top.RootCause);
        Assert.Equal(Confidence.High, top.Confidence);
        Assert.Empty(top.Missing);
        Assert.Contains(top.Evidence, e => e.Source == "reason" && e.Says.Contains("SubjectMismatch for hybrid.domain.com at 4/14/2017 1:07:17 PM", StringComparison.Ordinal));
        Assert.Contains(top.Evidence, e => e.Source.EndsWith("RECV2017041417-1.LOG:6", StringComparison.Ordinal) && e.Says.Contains("sent CN=SERVER1 (thumbprint 9876534210FEDCBA9876534210FEDCBA123456789", StringComparison.Ordinal));
        Assert.Contains(top.Evidence, e => e.Source.EndsWith("Get-ExchangeCertificate.txt:30", StringComparison.Ordinal) && e.Says.Contains("4C0FA622D0D66E777AA123B1AF123456F001AE23", StringComparison.Ordinal));
        Assert.Contains(top.Evidence, e => e.Source.EndsWith("Get-ReceiveConnector.txt:11", StringComparison.Ordinal) && e.Says.Contains("TlsCertificateName empty", StringComparison.Ordinal));
        Assert.Equal(
            [
                "$tlscert=Get-ExchangeCertificate 4C0FA622D0D66E777AA123B1AF123456F001AE23",
                "$tlscertname=\"<I>$($TLScert.Issuer)<S>$($TLSCert.Subject)\"",
                "Get-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" | Set-ReceiveConnector -TlsCertificateName $tlscertname",
                "Restart-Service MSExchangeFrontEndTransport",
            ],
            top.Fix.Take(4));
    }

    [Fact]
    public void Replaying_selection_on_the_dumps_predicts_the_certificate_the_log_shows()
    {
        var prediction = Assert.Single(Diagnoser.Run(SeedRequest()).Predictions);

        Assert.Equal("SERVER1\\Default Frontend SERVER1", prediction.Connector);
        Assert.Equal("SERVER1.domain.com", prediction.SearchedFor);
        Assert.Equal("9876534210FEDCBA9876534210FEDCBA123456789", prediction.PredictedThumbprint);
        Assert.True(prediction.Agrees);
    }

    [Fact]
    public void The_reason_alone_still_names_RC01_but_says_what_is_missing()
    {
        var diagnosis = Diagnoser.Run(new DiagnosisRequest { Reason = PublicSamples.S01 });

        var top = diagnosis.Findings[0];
        Assert.Equal("RC01", top.RootCause);
        Assert.NotEqual(Confidence.High, top.Confidence);
        Assert.NotEmpty(top.Missing);
    }

    [Fact]
    public void Nothing_given_points_nowhere_and_lists_what_to_collect()
    {
        var diagnosis = Diagnoser.Run(new DiagnosisRequest());

        Assert.Empty(diagnosis.Findings);
        Assert.Contains(diagnosis.Notes, n => n.Contains("collect", StringComparison.Ordinal));
    }

    [Fact]
    public void A_thumbprint_found_in_no_store_and_no_log_means_a_device_answered()
    {
        const string reason = "450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch Expected Subject: hybrid.domain.com. Presented Subject: CN=fw.domain.com. Thumbprint: 00112233445566778899AABBCCDDEEFF00112233.] [LastAttemptedServerName=hybrid.domain.com] [LastAttemptedIP=203.0.113.25:25]";

        var diagnosis = Diagnoser.Run(SeedRequest() with { Reason = reason });

        var finding = Assert.Single(diagnosis.Findings, f => f.RootCause == "RC10");
        Assert.Equal(Confidence.High, finding.Confidence);
        Assert.Contains("00112233445566778899AABBCCDDEEFF00112233", finding.Evidence[0].Says, StringComparison.Ordinal);
    }

    [Fact]
    public void The_right_certificate_having_expired_before_the_failure_is_RC05()
    {
        using var work = new TemporaryFolder();
        var dump = Path.Combine(work.Path, "certs.txt");
        File.WriteAllText(dump, File.ReadAllText(Path.Combine(Seed, "Get-ExchangeCertificate.txt")).Replace("NotAfter           : 1/20/2019 4:00:00 PM", "NotAfter           : 1/20/2017 4:00:00 PM", StringComparison.Ordinal));

        var diagnosis = Diagnoser.Run(SeedRequest() with { Certificates = dump });

        var finding = Assert.Single(diagnosis.Findings, f => f.RootCause == "RC05");
        Assert.Contains(finding.Evidence, e => e.Source.EndsWith("certs.txt:22", StringComparison.Ordinal) && e.Says.Contains("expired on 1/20/2017", StringComparison.Ordinal));
    }

    [Fact]
    public void Two_servers_behind_one_name_sending_different_certificates_is_RC02()
    {
        using var work = new TemporaryFolder();
        File.Copy(Path.Combine(Seed, "RECV2017041417-1.LOG"), Path.Combine(work.Path, "server1.LOG"));
        var fixedServer = File.ReadAllText(Path.Combine(Seed, "RECV2017041417-1.LOG"))
            .Replace("172.20.102.10:25", "172.20.102.11:25", StringComparison.Ordinal).Replace("SERVER1", "SERVER2", StringComparison.Ordinal)
            .Replace("CN=SERVER2,Certificate subject", "CN=hybrid.domain.com,Certificate subject", StringComparison.Ordinal)
            .Replace("9876534210FEDCBA9876534210FEDCBA123456789", "4C0FA622D0D66E777AA123B1AF123456F001AE23", StringComparison.Ordinal)
            .Replace("SERVER2;SERVER2.domain.com", "hybrid.domain.com", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(work.Path, "server2.LOG"), fixedServer);

        var diagnosis = Diagnoser.Run(SeedRequest() with { Logs = [work.Path] });

        var finding = Assert.Single(diagnosis.Findings, f => f.RootCause == "RC02");
        Assert.Equal(Confidence.High, finding.Confidence);
        Assert.Equal(2, finding.Evidence.Count);
        Assert.Contains(finding.Evidence, e => e.Says.Contains("172.20.102.11:25", StringComparison.Ordinal) && e.Says.Contains("CN=hybrid.domain.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_reason_the_latest_DEFER_in_a_tracking_log_among_the_logs_is_used()
    {
        using var work = new TemporaryFolder();
        await using (var writer = new Logs.ExchangeLogWriter(work.Path, Logs.ExchangeLogFormat.MessageTracking, Logs.LogRotation.ExchangeProtocolDefaults))
        {
            new Logs.MessageTrackingLog(writer).Write(new Logs.TrackingEvent
            {
                EventId = "DEFER", Source = "SMTP", Recipients = ["user@domain.com"], RecipientStatus = ["450 4.7.320 Certificate validation failed"],
                CustomData = File.ReadAllText(Path.Combine(Seed, "reason.txt")).Trim()["Reason: ".Length..],
            });
        }

        var diagnosis = Diagnoser.Run(SeedRequest() with { Reason = null, Logs = [Seed, work.Path] });

        var top = diagnosis.Findings[0];
        Assert.Equal("RC01", top.RootCause);
        Assert.Equal(Confidence.High, top.Confidence);
        Assert.Contains(top.Evidence, e => e.Source.Contains("MSGTRK", StringComparison.Ordinal) && e.Says.Contains("SubjectMismatch for hybrid.domain.com", StringComparison.Ordinal));
    }

    [Fact]
    public void The_HTML_report_is_one_self_contained_encoded_page_with_the_fix_and_the_timeline()
    {
        var html = HtmlReport.Render(Diagnoser.Run(SeedRequest()));

        Assert.StartsWith("<!DOCTYPE html>", html.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("RC01 [High]", html, StringComparison.Ordinal);
        Assert.Contains("$tlscertname=&quot;&lt;I&gt;$($TLScert.Issuer)&lt;S&gt;$($TLSCert.Subject)&quot;", html, StringComparison.Ordinal);
        Assert.Contains("SERVER1\\Default Frontend SERVER1 session 08D479E14521204D", html, StringComparison.Ordinal);
        Assert.Contains(">172.20.102.10 · SERVER1\\Default Frontend SERVER1</text>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=", html, StringComparison.OrdinalIgnoreCase);
    }
}
