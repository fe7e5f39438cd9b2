using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using MailFlow.Configuration.Model;
using MailFlow.Management;
using MailFlow.Queue;
using MailFlow.Testing;
using MimeKit;
using Xunit.Abstractions;

namespace MailFlow.Transport.Tests;

/// <summary>A test that runs only with MAILFLOW_SOAK=1: minutes long, so outside the default run.</summary>
public sealed class SoakFactAttribute : FactAttribute
{
    public SoakFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("MAILFLOW_SOAK") != "1")
        {
            Skip = "soak: set MAILFLOW_SOAK=1 (and MAILFLOW_SOAK_CYCLES, default 50) to run it";
        }
    }
}

/// <summary>
/// Issue 14's soak (docs/benchmarks.md, "Crash soak"): MAILFLOW_SOAK_CYCLES SIGKILLs of a real
/// `mailflow serve` under inbound load, half of it delivered locally (postmaster@domain.com) and half
/// relayed over a send connector to aiosmtpd on loopback, so every kill lands somewhere in receipt,
/// local delivery or an outbound session. After each restart it counts what the restart left behind;
/// at the end, after a clean drain, it checks every acknowledged message: delivered, how often, and
/// whether the tracking log has its RECEIVE and its final event (DELIVER or SEND) exactly once.
/// </summary>
public sealed class SoakTests(ITestOutputHelper output) : IDisposable
{
    private const int Clients = 4;
    private const string Local = "postmaster@domain.com";
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [SoakFact]
    public async Task SIGKILL_cycles_under_inbound_and_outbound_load_lose_nothing_and_leave_a_complete_tracking_log()
    {
        var cycles = int.TryParse(Environment.GetEnvironmentVariable("MAILFLOW_SOAK_CYCLES"), CultureInfo.InvariantCulture, out var n) ? n : 50;
        using var sink = AiosmtpdReceiver.Start(Path.Combine(root, "sink"));
        var (data, port) = ChildServer.Prepare(root);
        ServerAdministration.Open(data).Configuration.Update(c =>
        {
            c.AcceptedDomains.Add(new AcceptedDomain { Name = "sink.test", DomainName = "sink.test", DomainType = AcceptedDomainType.InternalRelay });
            c.SendConnectors.Add(new SendConnector { Name = "To sink", AddressSpaces = ["sink.test"], DNSRoutingEnabled = false, SmartHosts = [$"127.0.0.1:{sink.Port}"] });
        });
        var acknowledged = new ConcurrentDictionary<string, string>();
        var table = new StringBuilder()
            .AppendLine("cycle | acknowledged | delivered | duplicates | staging left | settled spool left | start (ms)")
            .AppendLine("----: | -----------: | --------: | ---------: | -----------: | -----------------: | ---------:");
        string Recipient(int i) => i % 2 == 0 ? Local : $"user{i % 3}@sink.test";
        var started = DateTime.UtcNow;

        for (var cycle = 1; cycle <= cycles; cycle++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var server = await ChildServer.StartAsync(data);
            var startMs = clock.ElapsedMilliseconds;
            var (staging, settled) = LeftBehind(data);
            var (delivered, duplicates) = Delivered(data, sink);
            table.AppendLine(CultureInfo.InvariantCulture, $"{cycle,5} | {acknowledged.Count,12} | {delivered.Count,9} | {duplicates,10} | {staging,12} | {settled,18} | {startMs,10}");

            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, Clients).Select(c => InboundLoad.SendUntilStoppedAsync(port, $"s{cycle}c{c}", Recipient, acknowledged, stop.Token)).ToArray();
            await Task.Delay(Random.Shared.Next(800, 2500));
            server.Kill(); // SIGKILL, wherever receipt or delivery is
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        // The last start drains everything, then stops cleanly.
        using (var last = await ChildServer.StartAsync(data))
        {
            var (staging, settled) = LeftBehind(data);
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (DateTime.UtcNow < deadline && !acknowledged.Keys.All(Delivered(data, sink).Ids.Contains))
            {
                await Task.Delay(250);
            }

            table.AppendLine(CultureInfo.InvariantCulture, $"final | {acknowledged.Count,12} | {Delivered(data, sink).Ids.Count,9} | {Delivered(data, sink).Duplicates,10} | {staging,12} | {settled,18} |");
            await ChildServer.TerminateAsync(last);
        }

        var (ids, totalDuplicates) = Delivered(data, sink);
        var missing = acknowledged.Keys.Count(id => !ids.Contains(id));
        var counts = InboundLoad.TrackingCounts(Path.Combine(data.Logs, "MessageTracking"));
        var incomplete = acknowledged.Count(a => counts.GetValueOrDefault((a.Key, "RECEIVE")) != 1
            || counts.GetValueOrDefault((a.Key, a.Value == Local ? "DELIVER" : "SEND")) != 1);
        var recovered = Directory.GetFiles(Path.Combine(data.Logs, "MessageTracking"))
            .Sum(f => File.ReadLines(f).Count(l => l.Contains(",Recovered at start-up,", StringComparison.Ordinal)));
        table.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{cycles} SIGKILL cycles in {(DateTime.UtcNow - started).TotalSeconds:F0} s: {acknowledged.Count} acknowledged "
                + $"({acknowledged.Values.Count(r => r == Local)} local, {acknowledged.Values.Count(r => r != Local)} outbound), {ids.Count} delivered, {totalDuplicates} duplicate deliveries, {missing} missing")
            .AppendLine(CultureInfo.InvariantCulture, $"tracking: {acknowledged.Count - incomplete} of {acknowledged.Count} with RECEIVE and DELIVER/SEND exactly once; {recovered} event(s) written by start-up reconciliation");
        // Name the incomplete ones, so a failure says which event is missing or repeated.
        foreach (var (id, route) in acknowledged.Where(a => counts.GetValueOrDefault((a.Key, "RECEIVE")) != 1
            || counts.GetValueOrDefault((a.Key, a.Value == Local ? "DELIVER" : "SEND")) != 1).Take(10))
        {
            var final = route == Local ? "DELIVER" : "SEND";
            table.AppendLine(CultureInfo.InvariantCulture,
                $"incomplete: {id} ({(route == Local ? "local" : "outbound")}): RECEIVE ×{counts.GetValueOrDefault((id, "RECEIVE"))}, {final} ×{counts.GetValueOrDefault((id, final))}, FAIL ×{counts.GetValueOrDefault((id, "FAIL"))}, delivered {(ids.Contains(id) ? "yes" : "no")}");
        }

        output.WriteLine(table.ToString());
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "soak-results.txt"), table.ToString());

        Assert.Equal(0, missing);
        Assert.Equal(0, incomplete);
    }

    /// <summary>Unique Message-IDs delivered (local Maildir and the sink) and how many deliveries were repeats.</summary>
    private static (HashSet<string> Ids, int Duplicates) Delivered(MailFlow.Core.Storage.DataDirectory data, AiosmtpdReceiver sink)
    {
        var maildir = Path.Combine(data.Mailboxes, "domain.com", "postmaster", "Maildir", "new");
        var all = (Directory.Exists(maildir) ? Directory.GetFiles(maildir).Select(f => MimeMessage.Load(f).MessageId) : [])
            .Concat(sink.Messages().Select(m => MimeMessage.Load(new MemoryStream(m.Content)).MessageId))
            .Select(id => $"<{id}>")
            .ToList();
        var ids = all.ToHashSet();
        return (ids, all.Count - ids.Count);
    }

    /// <summary>After a start: staging files (never acknowledged; start-up deletes them) and spool files of settled messages (Ingest deletes them).</summary>
    private static (int Staging, int Settled) LeftBehind(MailFlow.Core.Storage.DataDirectory data)
    {
        var staging = Directory.GetFiles(Path.Combine(data.Queue, "staging")).Length;
        using var queue = new QueueDatabase(data.Queue);
        var settled = Directory.GetFiles(Path.Combine(data.Queue, "incoming"), "*.msg")
            .Count(f => queue.Find(Path.GetFileNameWithoutExtension(f))?.State is MessageState.Delivered or MessageState.Failed);
        return (staging, settled);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
