using CsCheck;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Tests;

/// <summary>The log and dump readers on random and truncated input: counted as malformed, never an unhandled exception.</summary>
public sealed class ParserFuzzTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mailflow-fuzz-").FullName;

    private static readonly Gen<string> LogLine = Gen.OneOf(
        Gen.String[0, 200],
        Gen.OneOf<string>("#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context", "#Software: x", "*", ",", "\"", "\"\"", ",,,", "Sending certificate", "Certificate subject", "CN=SERVER1", " CN=a CN=b 01 AB 2017-04-14T17:00:41.000Z 2018-04-14T17:00:41.000Z a;b", "Sending certificate Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names", "EHLO x", "250 STARTTLS")
            .Array[1, 12].Select(parts => string.Join(",", parts)));

    [Fact]
    public void Protocol_logs_of_random_lines_are_read_or_counted_malformed()
    {
        LogLine.Array[0, 30].Sample(lines =>
        {
            var file = Path.Combine(root, Guid.NewGuid().ToString("N") + ".LOG");
            File.WriteAllLines(file, lines);
            var reader = new ExchangeLogReader();
            _ = ProtocolLogSessions.Read(reader.Read(file)).Count;
        }, iter: 400, threads: 1);
    }

    [Fact]
    public void Format_list_dumps_of_random_and_truncated_text_never_throw()
    {
        var seed = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed", "Get-ExchangeCertificate.txt"));
        Gen.OneOf(Gen.String[0, 400], Gen.Int[0, seed.Length].Select(n => seed[..n])).Sample(text =>
        {
            var file = Path.Combine(root, Guid.NewGuid().ToString("N") + ".txt");
            File.WriteAllText(file, text);
            var malformed = new List<string>();
            _ = FormatListReader.Read(file, malformed);
            _ = Diagnoser.Run(new DiagnosisRequest { Certificates = file, Connectors = file, Logs = [file], Reason = text });
        }, iter: 400, threads: 1);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
