using System.Net;
using BenchmarkDotNet.Attributes;
using MailFlow.Logs;

namespace MailFlow.Benchmarks;

/// <summary>
/// The protocol log on the receive hot path: one plain SMTP session's rows (connect, banner, EHLO and
/// its reply, MAIL, RCPT, DATA, the 250, QUIT, disconnect) handed to the writer, which formats and
/// writes them on its own task; the benchmark includes waiting until they are written.
/// </summary>
[MemoryDiagnoser]
public class ProtocolLogBenchmarks
{
    private readonly IPEndPoint local = new(IPAddress.Loopback, 25);
    private readonly IPEndPoint remote = new(IPAddress.Loopback, 50123);
    private string directory = string.Empty;
    private ExchangeLogWriter? writer;
    private ProtocolLog? log;

    [GlobalSetup]
    public void Setup()
    {
        directory = Path.Combine(Path.GetTempPath(), "mailflow-bench-protocol-log-" + Guid.NewGuid().ToString("N"));
        writer = new ExchangeLogWriter(directory, ExchangeLogFormat.SmtpReceive, LogRotation.ExchangeProtocolDefaults);
        log = new ProtocolLog(writer, CertificateLogFormat.MultiLine);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        writer!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = 100)]
    public async Task Sessions100()
    {
        for (var i = 0; i < 100; i++)
        {
            var session = log!.Begin(true, "SERVER1\\Default Frontend SERVER1", ProtocolLog.NextSessionId(), local, remote);
            session.Connect();
            session.Sent("220 SERVER1.domain.com Microsoft ESMTP MAIL Service ready at Sun, 29 Nov 2026 15:03:01 +0000");
            session.Received("EHLO mail.protection.outlook.com");
            session.Sent("250  SERVER1.domain.com Hello [127.0.0.1] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS 8BITMIME BINARYMIME CHUNKING SMTPUTF8");
            session.Received("MAIL FROM:<sender@contoso.com> SIZE=10240");
            session.Received("RCPT TO:<user@domain.com>");
            session.Received("DATA");
            session.Sent("354 Start mail input; end with <CRLF>.<CRLF>");
            session.Sent("250 2.6.0 <m@contoso.com> [InternalId=1795964583890001, Hostname=SERVER1.domain.com] Queued mail for delivery");
            session.Received("QUIT");
            session.Sent("221 2.0.0 Service closing transmission channel");
            session.Disconnect("Remote");
        }

        await writer!.FlushAsync();
    }
}
