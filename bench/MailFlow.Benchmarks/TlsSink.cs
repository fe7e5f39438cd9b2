using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MailFlow.Benchmarks;

/// <summary>
/// The receiving end of the outbound benchmark: an SMTP sink on loopback that offers STARTTLS with the
/// given certificate and PIPELINING, accepts every message and forgets it, and exits once it has
/// received <c>--expect</c> messages (printing the count), so the script knows when delivery finished.
/// Its own CPU is not what is measured. smtp-load writes the time it began each transaction into the
/// envelope sender (<c>load{n}-{unix ms}@…</c>), which the relaying MTA passes on, so the sink also
/// prints the end-to-end latency percentiles (injection to arrival) of what it received.
/// </summary>
public static class TlsSink
{
    private static int received;
    private static readonly List<long> Latencies = [];

    public static int Run(string[] args)
    {
        string Get(string name) => args[Array.IndexOf(args, "--" + name) + 1];
        var port = int.Parse(Get("port"), System.Globalization.CultureInfo.InvariantCulture);
        var expect = int.Parse(Get("expect"), System.Globalization.CultureInfo.InvariantCulture);
        using var ephemeral = X509Certificate2.CreateFromPemFile(Get("cert"), Get("key"));
        using var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        var context = SslStreamCertificateContext.Create(certificate, null);
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start(1000);
        Console.WriteLine("ready");
        using var done = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(done.Token);
                _ = Task.Run(() => ServeAsync(client, context, expect, done));
            }
        });
        try
        {
            Task.Delay(Timeout.Infinite, done.Token).Wait(CancellationToken.None);
        }
        catch (AggregateException)
        {
        }

        long[] sorted;
        lock (Latencies)
        {
            sorted = [.. Latencies.Order()];
        }

        long Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        Console.WriteLine($"received {received} p50_ms {Percentile(0.50)} p99_ms {Percentile(0.99)}");
        return 0;
    }

    private static async Task ServeAsync(TcpClient client, SslStreamCertificateContext context, int expect, CancellationTokenSource done)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                await Write(stream, "220 sink.bench.test ESMTP\r\n");
                var reader = new SmtpLineReader(stream);
                var inData = false;
                long sentMs = 0;
                while (await reader.LineAsync() is { } line)
                {
                    if (inData)
                    {
                        if (line == ".")
                        {
                            inData = false;
                            if (sentMs > 0)
                            {
                                lock (Latencies)
                                {
                                    Latencies.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - sentMs);
                                }
                            }

                            await Write(stream, "250 2.0.0 queued\r\n");
                            if (Interlocked.Increment(ref received) == expect)
                            {
                                await done.CancelAsync();
                            }
                        }

                        continue;
                    }

                    var verb = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO":
                            await Write(stream, stream is SslStream ? "250-sink.bench.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n" : "250-sink.bench.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 STARTTLS\r\n");
                            break;
                        case "STAR":
                            await Write(stream, "220 2.0.0 go ahead\r\n");
                            var tls = new SslStream(stream);
                            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context });
                            stream = tls;
                            reader = new SmtpLineReader(stream);
                            break;
                        case "MAIL":
                            sentMs = SentAt(line);
                            await Write(stream, "250 2.0.0 ok\r\n");
                            break;
                        case "DATA":
                            inData = true;
                            await Write(stream, "354 go ahead\r\n");
                            break;
                        case "QUIT":
                            await Write(stream, "221 2.0.0 bye\r\n");
                            return;
                        default:
                            await Write(stream, "250 2.0.0 ok\r\n");
                            break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException)
            {
                // A sender that hung up: nothing to do.
            }
        }
    }

    /// <summary>The injection time smtp-load put in <c>MAIL FROM:&lt;load{n}-{unix ms}@…&gt;</c>, or 0.</summary>
    private static long SentAt(string mailFrom)
    {
        var at = mailFrom.IndexOf('@', StringComparison.Ordinal);
        var dash = at < 0 ? -1 : mailFrom.LastIndexOf('-', at);
        return dash > 0 && long.TryParse(mailFrom.AsSpan(dash + 1, at - dash - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) ? ms : 0;
    }

    private static Task Write(Stream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();
}
