using System.Collections.Concurrent;
using MailFlow.Queue;
using MailFlow.Testing;
using Xunit.Abstractions;

namespace MailFlow.Service.Tests;

/// <summary>
/// The message tracking log as an audit trail survives SIGKILL (issue 14, item 4): a real `mailflow
/// serve` is killed repeatedly under inbound load while it delivers locally. After a restart every
/// message that got a 250 has exactly one RECEIVE and exactly one DELIVER event — nothing the buffered
/// writer lost is missing, nothing that reached the log is written twice (docs/decisions/0020).
/// </summary>
public sealed class TrackingCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 4;
    private const int Clients = 6;

    /// <summary>Always a valid local mailbox, whatever rules decide which mailboxes exist.</summary>
    private const string Recipient = "postmaster@domain.com";

    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Every_acknowledged_message_has_its_RECEIVE_and_DELIVER_exactly_once_after_repeated_SIGKILL()
    {
        var (data, port) = ChildServer.Prepare(root);
        var acknowledged = new ConcurrentDictionary<string, string>();
        for (var round = 0; round < Rounds; round++)
        {
            using var server = await ChildServer.StartAsync(data);
            using (var warmUp = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await InboundLoad.SendOneAsync(port, $"<warm-{round}@crash.test>", Recipient, acknowledged, warmUp.Token);
            }

            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, Clients).Select(c => InboundLoad.SendUntilStoppedAsync(port, $"r{round}c{c}", _ => Recipient, acknowledged, stop.Token)).ToArray();
            await Task.Delay(Random.Shared.Next(700, 1500));
            server.Kill(); // SIGKILL: the tracking writer's buffer dies with the process
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        using (var last = await ChildServer.StartAsync(data))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && Pending(data) > 0)
            {
                await Task.Delay(200);
            }

            await ChildServer.TerminateAsync(last);
        }

        var counts = InboundLoad.TrackingCounts(Path.Combine(data.Logs, "MessageTracking"));
        int Count(string id, string eventId) => counts.GetValueOrDefault((id, eventId));
        var ids = acknowledged.Keys.ToList();
        var missingReceive = ids.Count(id => Count(id, "RECEIVE") == 0);
        var missingDeliver = ids.Count(id => Count(id, "DELIVER") == 0);
        var duplicated = ids.Count(id => Count(id, "RECEIVE") > 1 || Count(id, "DELIVER") > 1);
        output.WriteLine($"{ids.Count} acknowledged over {Rounds} SIGKILLs: {missingReceive} without RECEIVE, {missingDeliver} without DELIVER, {duplicated} with an event twice");
        Assert.True(ids.Count > Rounds * Clients, $"the load generator got only {ids.Count} messages acknowledged");
        Assert.True(missingReceive == 0 && missingDeliver == 0 && duplicated == 0,
            $"{missingReceive} of {ids.Count} acknowledged messages have no RECEIVE, {missingDeliver} no DELIVER, {duplicated} an event twice; e.g. "
            + string.Join(", ", ids.Where(id => Count(id, "RECEIVE") != 1 || Count(id, "DELIVER") != 1).Take(5).Select(id => $"{id} R={Count(id, "RECEIVE")} D={Count(id, "DELIVER")}")));
    }

    private static long Pending(MailFlow.Core.Storage.DataDirectory data)
    {
        using var queue = new QueueDatabase(data.Queue);
        return queue.CountByState().Values.Sum() + Directory.GetFiles(Path.Combine(data.Queue, "incoming"), "*.msg").Length;
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
