using System.Net;
using System.Text;
using CsCheck;
using MailFlow.Logs.Reading;
using nietras.SeparatedValues;

namespace MailFlow.Logs.Tests;

/// <summary>The byte-level bulk reader on logs written by MailFlow's own writer, on damaged input, and against Sep as an oracle.</summary>
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

    private const string Fields = "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context";

    /// <summary>Fields as an Exchange log can hold them: plain, quoted with commas, doubled quotes and line breaks, or empty.</summary>
    private static readonly Gen<string> Field = Gen.OneOf(
        Gen.Const(""),
        Gen.String[Gen.Char["abcXYZ019 .:\\-"], 0, 12],
        Gen.String[Gen.Char["ab,\"\r\n é"], 0, 12].Select(v => "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));

    private static readonly Gen<string> Row = Gen.Select(Gen.OneOf(Gen.Const("C1"), Gen.Const("SERVER1\\Default Frontend SERVER1"), Gen.Const("\"a,\"\"b\"\"\""), Gen.Const("Ä")),
        Gen.OneOf(Gen.Const("0"), Gen.Const("1"), Gen.Const("\"0\""), Gen.Const("12")), Field.Array[5],
        (connector, sequence, rest) => $"2017-04-14T17:00:41.125Z,{connector},08D4,{sequence},{rest[0]},{rest[1]},{rest[2]},{rest[3]},{rest[4]}");

    [Fact]
    public void Totals_match_Sep_on_generated_logs_of_quoted_commas_quotes_and_line_breaks()
    {
        Gen.Select(Row.Array[0, 60], Gen.Bool, Gen.Bool).Sample((rows, crlf, bom) =>
        {
            var newline = crlf ? "\r\n" : "\n";
            var text = (bom ? "\uFEFF" : "") + Fields + newline + string.Concat(rows.Select(r => r + newline));
            var path = Path.Combine(root, $"gen-{Guid.NewGuid():N}.LOG");
            File.WriteAllText(path, text, new UTF8Encoding(false));

            var totals = ProtocolLogSummary.Summarize([path]);

            var expected = SepTotals(text);
            Assert.Equal(expected, totals.Connectors.Select(c => (c.ConnectorId, c.Sessions, c.Lines)).ToList());
            Assert.Equal(rows.Length, totals.Lines);
            Assert.Empty(totals.Malformed);
            File.Delete(path);
        }, iter: 300);
    }

    [Fact]
    public void Rows_that_straddle_buffer_refills_and_a_row_without_a_final_newline_are_counted()
    {
        // 1 MiB is the first buffer: rows of a few hundred bytes with quoted line breaks cross it many times.
        var path = Path.Combine(root, "BIG.LOG");
        var builder = new StringBuilder(Fields + "\r\n");
        for (var i = 0; i < 20_000; i++)
        {
            var connector = i % 3 == 0 ? "\"Front, end\"" : "Hub";
            builder.Append(Stamp(i)).Append(',').Append(connector).Append(",08D4,").Append(i % 10).Append(",a,b,>,\"250-").Append(new string('x', i % 300)).Append("\r\n\"\"q\"\"\",ctx");
            builder.Append(i == 19_999 ? "" : "\r\n");
        }

        File.WriteAllText(path, builder.ToString());
        var totals = ProtocolLogSummary.Summarize([path]);

        Assert.Equal(SepTotals(builder.ToString()), totals.Connectors.Select(c => (c.ConnectorId, c.Sessions, c.Lines)).ToList());
        Assert.Equal(20_000, totals.Lines);
        Assert.Empty(totals.Malformed);
    }

    [Fact]
    public void An_unclosed_quote_at_the_end_of_a_file_is_reported_not_looped_on()
    {
        var path = Path.Combine(root, "UNCLOSED.LOG");
        File.WriteAllText(path, Fields + "\n2017-04-14T17:00:41.125Z,C1,01,0,a,b,+,,\n2017-04-14T17:00:41.125Z,C1,01,1,a,b,>,\"250 never closed");

        var totals = ProtocolLogSummary.Summarize([path]);

        Assert.Equal(("C1", 1L, 1L), (totals.Connectors.Single().ConnectorId, totals.Connectors.Single().Sessions, totals.Connectors.Single().Lines));
        Assert.Equal($"{path}:3 (unclosed quote at the end of the file)", Assert.Single(totals.Malformed));
    }

    [Fact]
    public void Malformed_rows_past_the_listing_limit_are_counted_not_listed()
    {
        var path = Path.Combine(root, "SHORT.LOG");
        File.WriteAllLines(path, [Fields, .. Enumerable.Repeat("short,row", ProtocolLogSummary.MaxMalformedListed + 5)]);

        var totals = ProtocolLogSummary.Summarize([path]);

        Assert.Equal(ProtocolLogSummary.MaxMalformedListed + 1, totals.Malformed.Count);
        Assert.Equal("… and 5 more malformed rows", totals.Malformed[^1]);
        Assert.Equal($"{path}:2", totals.Malformed[0]);
    }

    private static string Stamp(int i) => $"2017-04-14T17:00:{i % 60:00}.000Z";

    /// <summary>Sep's reading of the same text: sessions (sequence 0) and rows per connector.</summary>
    private static List<(string, long, long)> SepTotals(string text)
    {
        var counts = new SortedDictionary<string, (long Sessions, long Lines)>(StringComparer.Ordinal);
        var body = text.TrimStart('\uFEFF');
        body = body[(body.IndexOf('\n', StringComparison.Ordinal) + 1)..];
        using var reader = Sep.Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromText(body);
        foreach (var row in reader)
        {
            var connector = row[1].ToString();
            counts.TryGetValue(connector, out var entry);
            counts[connector] = (entry.Sessions + (row[3].Span is "0" ? 1 : 0), entry.Lines + 1);
        }

        return counts.Select(c => (c.Key, c.Value.Sessions, c.Value.Lines)).ToList();
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
