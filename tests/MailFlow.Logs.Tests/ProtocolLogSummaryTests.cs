using System.Net;
using MailFlow.Logs.Reading;

namespace MailFlow.Logs.Tests;

/// <summary>The Sep-based bulk reader on logs written by MailFlow's own writer, and on damaged input.</summary>
public sealed class ProtocolLogSummaryTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mailflow-logsummary-").FullName;

    [Fact]
    public async Task Sessions_and_lines_per_connector_match_what_the_writer_wrote()
    {
        await using (var writer = new ExchangeLogWriter(root, ExchangeLogFormat.SmtpReceive, LogRotation.ExchangeProtocolDefaults))
        {
            var log = new ProtocolLog(writer, CertificateLogFormat.MultiLine);
            for (var i = 0; i < 5; i++)
            {
                var connector = i < 3 ? @"SERVER1\Default Frontend SERVER1" : @"SERVER1\Client Frontend SERVER1";
                var session = log.Begin(true, connector, ProtocolLog.NextSessionId(), new IPEndPoint(IPAddress.Loopback, 25), new IPEndPoint(IPAddress.Loopback, 40000 + i));
                session.Connect();
                session.Received("EHLO a,b \"quoted\" test"); // commas and quotes force CSV quoting
                session.Sent("250 OK");
                session.Disconnect("Local");
            }
        }

        var totals = ProtocolLogSummary.Summarize(ExchangeLogReader.Files(root));

        Assert.Equal([(@"SERVER1\Client Frontend SERVER1", 2L, 8L), (@"SERVER1\Default Frontend SERVER1", 3L, 12L)], totals.Connectors.Select(c => (c.ConnectorId, c.Sessions, c.Lines)));
        Assert.Equal(20, totals.Lines);
        Assert.Empty(totals.Malformed);
    }

    [Fact]
    public void Short_rows_and_files_that_are_not_protocol_logs_are_reported_with_file_and_line()
    {
        var good = Path.Combine(root, "RECV1.LOG");
        File.WriteAllLines(good, ["#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context", "2017-04-14T17:00:41.125Z,C1,01,0,a,b,+,,", "truncated,row", "2017-04-14T17:00:41.125Z,C1,01,1,a,b,-,,"]);
        var other = Path.Combine(root, "MSGTRK1.LOG");
        File.WriteAllLines(other, ["#Fields: date-time,client-ip", "x,y"]);

        var totals = ProtocolLogSummary.Summarize([good, other]);

        Assert.Equal(("C1", 1L, 2L), (totals.Connectors.Single().ConnectorId, totals.Connectors.Single().Sessions, totals.Connectors.Single().Lines));
        Assert.Contains($"{good}:3", totals.Malformed);
        Assert.Contains(totals.Malformed, m => m.StartsWith(other + ":1 (not a protocol log", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
