using System.Diagnostics;
using System.Globalization;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Transport.Delivery;

namespace MailFlow.Benchmarks;

/// <summary>
/// The per-connection cost of MailFlow's outbound path in isolation: N sequential verified-TLS sessions
/// (connect, EHLO, STARTTLS, validation, EHLO, QUIT) through <see cref="OutboundDelivery"/> to a sink,
/// printing client CPU per session. What bench/outbound.sh's per-message gap is made of.
/// </summary>
public static class OutboundConnect
{
    public static int Run(string[] args)
    {
        string Get(string name) => args[Array.IndexOf(args, "--" + name) + 1];
        var port = int.Parse(Get("port"), CultureInfo.InvariantCulture);
        var count = int.Parse(Get("count"), CultureInfo.InvariantCulture);
        var configuration = new MailFlowConfiguration { Server = new ServerIdentity { Name = "BENCH", Fqdn = "mail.bench.test" } };
        var connector = new SendConnector
        {
            Name = "To the sink", AddressSpaces = ["remote.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{port}"],
            RequireTLS = true, TlsAuthLevel = TlsAuthLevel.DomainValidation, TlsDomain = "sink.bench.test",
        };
        var delivery = new OutboundDelivery(configuration, TrustAnchors.Load(args.Contains("--system-roots"), [Get("ca")]));
        async Task Once()
        {
            var (session, failure) = await delivery.ConnectAsync(connector, "remote.test", CancellationToken.None);
            if (session is null)
            {
                throw new InvalidOperationException(failure!.Reason ?? failure.Detail);
            }

            await session.DisposeAsync();
        }

        var warmup = args.Contains("--warmup") ? int.Parse(Get("warmup"), CultureInfo.InvariantCulture) : 20;
        for (var i = 0; i < warmup; i++)
        {
            Once().GetAwaiter().GetResult(); // warm-up: JIT and first-use caches
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime = System.Runtime.JitInfo.GetCompilationTime();
        var collections = GC.CollectionCount(0);
        var allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            Once().GetAwaiter().GetResult();
        }

        var perSession = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"sessions\":{count},\"client_cpu_ms_per_session\":{perSession:0.###},\"ms_per_session\":{clock.Elapsed.TotalMilliseconds / count:0.###},\"methods_jitted\":{System.Runtime.JitInfo.GetCompiledMethodCount() - jitted},\"jit_ms\":{(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds:0},\"gen0\":{GC.CollectionCount(0) - collections},\"kb_allocated_per_session\":{(GC.GetTotalAllocatedBytes() - allocated) / 1024.0 / count:0.#}}}"));
        return 0;
    }
}
