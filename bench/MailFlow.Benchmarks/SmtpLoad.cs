using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace MailFlow.Benchmarks;

/// <summary>
/// The load generator for bench/: C parallel SMTP clients sending N messages of a fixed size to one
/// loopback server, optionally over STARTTLS (resumed TLS sessions, certificate not checked — the
/// server's cost is what is measured), one connection per message or several per connection.
/// Commands are pipelined where RFC 2920 allows (MAIL, RCPT, DATA in one write), so the client spends
/// few syscalls per message. Prints one JSON line: messages, seconds, msgs/s, p50/p99 latency, client CPU.
/// </summary>
public static class SmtpLoad
{
    public static int Run(string[] args)
    {
        var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
            .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length && !args[p.i + 1].StartsWith("--", StringComparison.Ordinal) ? args[p.i + 1] : "true");
        string Get(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;
        var host = Get("host", "127.0.0.1");
        var port = int.Parse(Get("port", "25"), CultureInfo.InvariantCulture);
        var messages = int.Parse(Get("messages", "1000"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Get("concurrency", "20"), CultureInfo.InvariantCulture);
        var perConnection = int.Parse(Get("per-connection", "1"), CultureInfo.InvariantCulture);
        var startTls = Get("starttls", "false") == "true";
        var recipient = Get("rcpt", "user@bench.test");
        var body = Body(int.Parse(Get("size-kib", "10"), CultureInfo.InvariantCulture));
        if (options.TryGetValue("idle", out var idle))
        {
            return HoldIdle(host, port, int.Parse(idle, CultureInfo.InvariantCulture), TimeSpan.FromSeconds(double.Parse(Get("hold-s", "5"), CultureInfo.InvariantCulture)));
        }

        var latencies = new double[messages];
        var next = -1;
        var failures = 0;
        string? firstFailure = null;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var first = Interlocked.Add(ref next, perConnection) - perConnection + 1;
                if (first >= messages)
                {
                    return;
                }

                var count = Math.Min(perConnection, messages - first);
                try
                {
                    await SendAsync(host, port, startTls, recipient, body, first, count, latencies);
                }
                catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or System.Security.Authentication.AuthenticationException)
                {
                    Interlocked.Add(ref failures, count);
                    Interlocked.CompareExchange(ref firstFailure, e.Message, null);
                }
            }
        })).ToArray();
        Task.WaitAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;
        var clientCpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        var sent = latencies.Where(l => l > 0).Order().ToArray();
        double Percentile(double p) => sent.Length == 0 ? 0 : sent[Math.Min(sent.Length - 1, (int)(p * sent.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"messages\":{sent.Length},\"failures\":{failures},\"seconds\":{seconds:0.###},\"msgs_per_s\":{sent.Length / seconds:0.#},\"p50_ms\":{Percentile(0.5):0.##},\"p99_ms\":{Percentile(0.99):0.##},\"client_cpu_ms_per_msg\":{clientCpuMs / Math.Max(1, sent.Length):0.###}{(firstFailure is null ? string.Empty : ",\"first_failure\":\"" + firstFailure.Replace("\"", "'", StringComparison.Ordinal) + "\"")}}}"));
        return failures == 0 ? 0 : 1;
    }

    private static async Task SendAsync(string host, int port, bool startTls, string recipient, byte[] body, int first, int count, double[] latencies)
    {
        var started = Stopwatch.GetTimestamp();
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(host, port);
        Stream stream = client.GetStream();
        var reader = new ReplyReader(stream);
        await reader.ExpectAsync('2');
        await WriteAsync(stream, "EHLO load.bench.test\r\n");
        await reader.ExpectAsync('2');
        if (startTls)
        {
            await WriteAsync(stream, "STARTTLS\r\n");
            await reader.ExpectAsync('2');
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "bench.test", // the same name every time: the TLS session cache resumes
#pragma warning disable CA5359 // a load generator against our own loopback servers: validation is not what is measured
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
                AllowTlsResume = true,
            });
            stream = tls;
            reader = new ReplyReader(stream);
            await WriteAsync(stream, "EHLO load.bench.test\r\n");
            await reader.ExpectAsync('2');
        }

        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                started = Stopwatch.GetTimestamp();
            }

            // The start time rides in the envelope sender so a sink behind a relay can measure end-to-end latency.
            await WriteAsync(stream, $"MAIL FROM:<load{first + i}-{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}@bench.test>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n");
            await reader.ExpectAsync('2');
            await reader.ExpectAsync('2');
            await reader.ExpectAsync('3');
            await stream.WriteAsync(body);
            await reader.ExpectAsync('2');
            latencies[first + i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        await WriteAsync(stream, "QUIT\r\n");
        await reader.ExpectAsync('2');
        await stream.DisposeAsync();
    }

    /// <summary>
    /// Opens <paramref name="count"/> connections that read the banner and then say nothing, holds them
    /// for <paramref name="hold"/> (the script samples the server's memory meanwhile; "holding" is printed
    /// when all are open), then closes them. Prints how many got a banner.
    /// </summary>
    private static int HoldIdle(string host, int port, int count, TimeSpan hold)
    {
        var clients = new List<TcpClient>();
        var greeted = 0;
        using (var connecting = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            // All at once, bounded: past a server's listen backlog a connect only completes when it accepts.
            var attempts = Enumerable.Range(0, count).Select(async _ =>
            {
                var client = new TcpClient { NoDelay = true };
                try
                {
                    await client.ConnectAsync(host, port, connecting.Token);
                    return client;
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException)
                {
                    client.Dispose();
                    return null;
                }
            }).ToArray();
            clients.AddRange(Task.WhenAll(attempts).GetAwaiter().GetResult().OfType<TcpClient>());
        }

        // Every banner read at once, with one deadline: a server past its process limit (Postfix) leaves the rest unanswered.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var reads = clients.Select(async client =>
        {
            var buffer = new byte[512];
            try
            {
                return await client.GetStream().ReadAsync(buffer, deadline.Token) > 0 && buffer[0] == (byte)'2';
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                return false;
            }
        }).ToArray();
        greeted = Task.WhenAll(reads).GetAwaiter().GetResult().Count(g => g);
        Console.WriteLine($"holding {clients.Count} connections, {greeted} greeted");
        Console.Out.Flush();
        Thread.Sleep(hold);
        foreach (var client in clients)
        {
            client.Dispose();
        }

        return 0;
    }

    private static Task WriteAsync(Stream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>Headers and text lines up to the size, then the end-of-data line.</summary>
    private static byte[] Body(int kib)
    {
        var text = new StringBuilder("From: <load@bench.test>\r\nTo: <user@bench.test>\r\nSubject: load\r\nMessage-ID: <load@bench.test>\r\n\r\n");
        while (text.Length < kib * 1024)
        {
            text.Append("The quick brown fox jumps over the lazy dog; 0123456789 abcdefghijklmnopqrstuvwxyz.\r\n");
        }

        return Encoding.ASCII.GetBytes(text.Append(".\r\n").ToString());
    }

    /// <summary>Reads whole replies (multi-line ones end at "NNN "), checks the first digit.</summary>
    private sealed class ReplyReader(Stream stream)
    {
        private readonly SmtpLineReader lines = new(stream);

        public async Task ExpectAsync(char digit)
        {
            while (true)
            {
                var line = await lines.LineAsync() ?? throw new IOException("the server closed the connection");
                if (line.Length < 3 || line[0] != digit)
                {
                    throw new InvalidOperationException($"expected {digit}xx, got: {line}");
                }

                if (line.Length == 3 || line[3] != '-')
                {
                    return;
                }
            }
        }
    }
}
