using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.Extensions.Time.Testing;

namespace MailFlow.Logs.Tests;

public sealed class ExchangeLogWriterTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2017, 4, 14, 17, 0, 41, 125, TimeSpan.Zero));

    [Fact]
    public async Task A_row_written_after_disposal_is_dropped_without_an_exception()
    {
        // A MailKit client that was never disposed logs its disconnect from the finalizer thread, possibly
        // after shutdown: that must not crash the process (it did, once, in a fresh-clone test run).
        var writer = new ExchangeLogWriter(directory, ExchangeLogFormat.SmtpSend, LogRotation.ExchangeProtocolDefaults);
        var session = new ProtocolLog(writer, CertificateLogFormat.MultiLine).Begin(true, "Outbound", ProtocolLog.NextSessionId(), null, new IPEndPoint(IPAddress.Loopback, 25));
        session.Connect();
        await writer.DisposeAsync();

        session.Disconnect("Local");

        var written = string.Concat(Directory.GetFiles(directory).Select(File.ReadAllText));
        Assert.Contains(",+,", written, StringComparison.Ordinal);
        Assert.DoesNotContain(",-,", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_the_Exchange_header_and_the_seed_case_rows_byte_for_byte()
    {
        var writer = new ExchangeLogWriter(directory, ExchangeLogFormat.SmtpReceive, LogRotation.ExchangeProtocolDefaults, clock);
        var log = new ProtocolLog(writer, CertificateLogFormat.MultiLine, clock);
        var session = log.Begin(true, @"SERVER1\Default Frontend SERVER1", "08D479E14521204D", IPEndPoint.Parse("172.20.102.10:25"), IPEndPoint.Parse("155.39.36.248:30648"));

        session.Certificate(new CertificateLogRecord("CN=SERVER1", "CN=SERVER1", "1234567890ABCDEF1234567890ABCDEF", "9876534210FEDCBA9876534210FEDCBA123456789", DateTime.UtcNow, DateTime.UtcNow, ["SERVER1", "SERVER1.domain.com"]), sending: true);
        await writer.DisposeAsync();

        var file = Assert.Single(Directory.GetFiles(directory));
        Assert.Equal("RECV20170414-1.LOG", Path.GetFileName(file));
        Assert.Equal(
            "#Software: MailFlow\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n#Date: 2017-04-14T17:00:41.125Z\r\n" +
            "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n" +
            "2017-04-14T17:00:41.125Z,SERVER1\\Default Frontend SERVER1,08D479E14521204D,0,172.20.102.10:25,155.39.36.248:30648,*,,Sending certificate\r\n" +
            "2017-04-14T17:00:41.125Z,SERVER1\\Default Frontend SERVER1,08D479E14521204D,1,172.20.102.10:25,155.39.36.248:30648,*,CN=SERVER1,Certificate subject\r\n" +
            "2017-04-14T17:00:41.125Z,SERVER1\\Default Frontend SERVER1,08D479E14521204D,2,172.20.102.10:25,155.39.36.248:30648,*,CN=SERVER1,Certificate issuer name\r\n" +
            "2017-04-14T17:00:41.125Z,SERVER1\\Default Frontend SERVER1,08D479E14521204D,3,172.20.102.10:25,155.39.36.248:30648,*,1234567890ABCDEF1234567890ABCDEF,Certificate serial number\r\n" +
            "2017-04-14T17:00:41.125Z,SERVER1\\Default Frontend SERVER1,08D479E14521204D,4,172.20.102.10:25,155.39.36.248:30648,*,9876534210FEDCBA9876534210FEDCBA123456789,Certificate thumbprint\r\n" +
            "2017-04-14T17:00:41.125Z,SERVER1\\Default Frontend SERVER1,08D479E14521204D,5,172.20.102.10:25,155.39.36.248:30648,*,SERVER1;SERVER1.domain.com,Certificate alternate names\r\n",
            await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task The_single_line_certificate_form_has_a_leading_space_and_the_concatenated_labels()
    {
        var writer = new ExchangeLogWriter(directory, ExchangeLogFormat.SmtpReceive, LogRotation.ExchangeProtocolDefaults, clock);
        var session = new ProtocolLog(writer, CertificateLogFormat.SingleLine, clock).Begin(true, @"S\C", "0000000000000001", null, null);

        session.Certificate(new CertificateLogRecord("CN=SERVER-HOSTNAME", "CN=SERVER-HOSTNAME", "1F", "AB", new DateTime(2020, 1, 17, 15, 15, 33, DateTimeKind.Utc), new DateTime(2025, 1, 17, 15, 15, 33, DateTimeKind.Utc), ["SERVER-HOSTNAME", "SERVER-HOSTNAME.DOMAIN.TEST"]), sending: true);
        await writer.DisposeAsync();

        Assert.EndsWith(
            ",*, CN=SERVER-HOSTNAME CN=SERVER-HOSTNAME 1F AB 2020-01-17T15:15:33.000Z 2025-01-17T15:15:33.000Z SERVER-HOSTNAME;SERVER-HOSTNAME.DOMAIN.TEST,Sending certificate Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names\r\n",
            await File.ReadAllTextAsync(Directory.GetFiles(directory).Single()));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("220 a, b", "\"220 a, b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("", "")]
    public void Values_are_quoted_as_Exchange_quotes_them(string value, string expected)
    {
        var line = new System.Text.StringBuilder();

        ExchangeLogWriter.AppendField(line, value);

        Assert.Equal(expected, line.ToString());
    }

    [Fact]
    public async Task A_full_file_rolls_over_and_the_directory_stays_within_MaxDirectorySize()
    {
        var writer = new ExchangeLogWriter(directory, ExchangeLogFormat.SmtpSend, new LogRotation(4096, 16_384, TimeSpan.FromDays(30)), clock);
        for (var i = 0; i < 400; i++)
        {
            writer.Write(clock.GetUtcNow(), "Outbound", "0000000000000001", i.ToString(System.Globalization.CultureInfo.InvariantCulture), null, null, ">", new string('x', 100), null);
        }

        await writer.DisposeAsync();
        var files = new DirectoryInfo(directory).GetFiles();

        Assert.True(files.Length is >= 3 and <= 5, string.Join(", ", files.Select(f => f.Name)));
        Assert.All(files, f => Assert.True(f.Length <= 4096 + 200));
        Assert.True(files.Sum(f => f.Length) <= 16_384 + 4096);
        Assert.All(files, f => Assert.StartsWith("SEND20170414-", f.Name, StringComparison.Ordinal));
        Assert.Contains(files, f => f.Name == "SEND20170414-400.LOG" || File.ReadAllText(f.FullName).Contains(",399,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_UTC_day_starts_a_new_file_and_old_files_past_MaxAge_are_deleted()
    {
        var writer = new ExchangeLogWriter(directory, ExchangeLogFormat.MessageTracking, new LogRotation(1 << 20, 1 << 24, TimeSpan.FromDays(2)), clock);
        writer.Write(clock.GetUtcNow(), new string?[30]);
        await writer.FlushAsync();
        File.SetLastWriteTimeUtc(Directory.GetFiles(directory).Single(), clock.GetUtcNow().UtcDateTime);
        clock.Advance(TimeSpan.FromDays(3));
        writer.Write(clock.GetUtcNow(), new string?[30]);
        await writer.DisposeAsync();

        Assert.Equal(["MSGTRK20170417-1.LOG"], Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    [Fact]
    public void TLS_sessions_are_described_in_SCHANNEL_words() =>
        Assert.Equal(
            "TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm CALG_ECDHE with strength 256 bits",
            TlsDescription.Describe(SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, server: true));

    [Fact]
    public async Task A_disabled_session_writes_nothing()
    {
        var writer = new ExchangeLogWriter(directory, ExchangeLogFormat.SmtpReceive, LogRotation.ExchangeProtocolDefaults, clock);
        var session = new ProtocolLog(writer, CertificateLogFormat.MultiLine, clock).Begin(false, @"S\C", ProtocolLog.NextSessionId(), null, null);

        session.Connect();
        session.Received("EHLO x");
        await writer.DisposeAsync();

        Assert.Empty(Directory.GetFiles(directory));
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
