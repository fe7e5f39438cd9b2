using MailFlow.Logs.Reading;

namespace MailFlow.Logs.Tests;

public sealed class ProtocolLogSessionsTests
{
    private static readonly string[] Fields = ["date-time", "connector-id", "session-id", "sequence-number", "local-endpoint", "remote-endpoint", "event", "data", "context"];

    [Theory]
    [InlineData("250  SERVER1.domain.com Hello [10.0.0.1] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS 8BITMIME", true)] // Exchange's one-line form
    [InlineData("250-STARTTLS", true)]
    [InlineData("250  SERVER1.domain.com Hello [10.0.0.1] SIZE 37748736 PIPELINING X-ANONYMOUSTLS 8BITMIME", false)]
    [InlineData("250 2.0.0 STARTTLSX ok", false)]
    [InlineData("250", false)] // found writing the fuzz/ exchange-log target: a reply of the code alone threw ArgumentOutOfRangeException
    public void STARTTLS_is_offered_only_when_the_EHLO_reply_names_it(string reply, bool offered)
    {
        var session = Assert.Single(ProtocolLogSessions.Read([Row(0, "<", "EHLO mail.protection.outlook.com"), Row(1, ">", reply)]));

        Assert.Equal(offered, session.StartTlsOffered);
    }

    [Theory]
    [InlineData("SMTP Send Protocol Log", true)]
    [InlineData("SMTP Receive Protocol Log", false)]
    [InlineData(null, false)]
    public void Sessions_from_SmtpSend_logs_are_marked_outbound(string? logType, bool outbound)
    {
        var session = Assert.Single(ProtocolLogSessions.Read([Row(0, "+", string.Empty) with { LogType = logType }]));

        Assert.Equal(outbound, session.Outbound);
    }

    /// <summary>Found writing the fuzz/ exchange-log target: a single-line record with nothing before serial and thumbprint threw ArgumentOutOfRangeException.</summary>
    [Fact]
    public void A_single_line_certificate_record_without_a_subject_is_read_with_its_serial_and_thumbprint()
    {
        var session = Assert.Single(ProtocolLogSessions.Read([Row(0, "*", "01 AB12 2017-04-14T17:00:41.000Z 2018-04-14T17:00:41.000Z mail.contoso.com", "Remote certificate")]));

        var certificate = Assert.IsType<LoggedCertificate>(session.CertificateReceived);
        Assert.Null(certificate.Subject);
        Assert.Equal(("01", "AB12"), (certificate.SerialNumber, certificate.Thumbprint));
        Assert.Equal(["mail.contoso.com"], certificate.AlternateNames);
    }

    private static LogRow Row(int sequence, string direction, string data, string context = "") =>
        new("RECV.LOG", sequence + 6, Fields, ["2026-11-29T15:03:01.883Z", "SERVER1\\Default Frontend SERVER1", "08DF4E29DCE30CD1", sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), "10.0.0.5:25", "40.107.0.1:51000", direction, data, context]);
}
