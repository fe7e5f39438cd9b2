using System.Diagnostics;
using System.Text.Json;
using MailFlow.Logs;
using MailFlow.Logs.Reading;
using MailFlow.Queue;
using MailFlow.Transport.Delivery;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace MailFlow.Transport.Tests;

/// <summary>Start-up reconciliation of the message tracking log against queue.db (docs/decisions/0020).</summary>
public sealed class TrackingReconciliationTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Lost_events_are_written_once_with_their_original_time_and_events_that_reached_the_log_are_not_repeated()
    {
        await using var bed = new DeliveryTestBed(_ => { });
        var kept = bed.Enqueue("a@contoso.test", "postmaster@domain.com", "Message-ID: <kept@contoso.test>\r\nSubject: kept\r\n\r\nbody\r\n");
        var lost = bed.Enqueue("a@contoso.test", "postmaster@domain.com", "Message-ID: <lost@contoso.test>\r\nSubject: lost\r\n\r\nbody\r\n");
        var receivedAt = bed.Clock.GetUtcNow();
        bed.Clock.Advance(TimeSpan.FromMinutes(3)); // delivery later than receipt, so the two times can be told apart
        Assert.Equal(2, await bed.Agent.RunOnceAsync());
        await bed.Tracking.DisposeAsync(); // the file is complete and closed before the test edits it

        // The crash: the DELIVER of one message never left the writer's buffer (and no RECEIVE was written
        // here at all: the bed has no SMTP session).
        var file = Assert.Single(Directory.GetFiles(bed.Tracking.Directory));
        File.WriteAllLines(file, File.ReadAllLines(file).Where(l => !l.Contains(Guid.ParseExact(lost, "N").ToString(), StringComparison.Ordinal)));
        var rotation = LogRotation.ExchangeProtocolDefaults;

        var first = await TrackingReconciliation.RunAsync(bed.Queue, bed.Tracking.Directory, rotation, bed.Clock);

        Assert.Equal((4, 3), (first.Candidates, first.Written)); // 2 RECEIVE + 2 DELIVER unconfirmed; kept's DELIVER was in the log
        var rows = Rows(bed.Tracking.Directory);
        foreach (var id in new[] { kept, lost })
        {
            Assert.Single(rows, r => r.Id == id && r.Row["event-id"] == "RECEIVE");
            Assert.Single(rows, r => r.Id == id && r.Row["event-id"] == "DELIVER");
        }

        var receive = rows.Single(r => r.Id == lost && r.Row["event-id"] == "RECEIVE").Row;
        Assert.Equal(TrackingReconciliation.RecoveredSourceContext, receive["source-context"]);
        Assert.Equal(receivedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture), receive["date-time"]);
        Assert.Equal(("<lost@contoso.test>", "lost", "postmaster@domain.com", "a@contoso.test"), (receive["message-id"], receive["message-subject"], receive["recipient-address"], receive["sender-address"]));
        var deliver = rows.Single(r => r.Id == lost && r.Row["event-id"] == "DELIVER").Row;
        Assert.Equal((TrackingReconciliation.RecoveredSourceContext, "STOREDRIVER", "250 2.0.0 delivered to Maildir"), (deliver["source-context"], deliver["source"], deliver["recipient-status"]));
        Assert.Equal(receivedAt.AddMinutes(3).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture), deliver["date-time"]);
        Assert.NotEqual(TrackingReconciliation.RecoveredSourceContext, rows.Single(r => r.Id == kept && r.Row["event-id"] == "DELIVER").Row["source-context"]);

        var second = await TrackingReconciliation.RunAsync(bed.Queue, bed.Tracking.Directory, rotation, bed.Clock);
        Assert.Equal((0, 0), (second.Candidates, second.Written)); // confirmed: the next start has nothing to look up
        Assert.Equal(rows.Count, Rows(bed.Tracking.Directory).Count);
    }

    /// <summary>
    /// SIGKILL in the middle of the writer's flush leaves the last row torn: no CRLF, and only its first
    /// columns (found by the soak: the torn SEND kept its ids but not its recipient, so it was written
    /// again and the message had two). A torn row is not an event; start-up cuts it off before looking.
    /// </summary>
    [Fact]
    public async Task A_torn_last_row_is_cut_off_and_its_event_written_once()
    {
        await using var bed = new DeliveryTestBed(_ => { });
        bed.Enqueue("a@contoso.test", "postmaster@domain.com", "Message-ID: <one@contoso.test>\r\n\r\nbody\r\n");
        bed.Enqueue("a@contoso.test", "postmaster@domain.com", "Message-ID: <two@contoso.test>\r\n\r\nbody\r\n");
        Assert.Equal(2, await bed.Agent.RunOnceAsync());
        await bed.Tracking.DisposeAsync();
        var file = Assert.Single(Directory.GetFiles(bed.Tracking.Directory));
        var text = File.ReadAllText(file);
        var lastRow = text[..^2].LastIndexOf('\n') + 1;
        var torn = Rows(bed.Tracking.Directory)[^1].Id;
        var networkId = Guid.ParseExact(torn, "N").ToString();
        File.WriteAllText(file, text[..(text.IndexOf(networkId, lastRow, StringComparison.Ordinal) + networkId.Length + 1)]);

        var result = await TrackingReconciliation.RunAsync(bed.Queue, bed.Tracking.Directory, LogRotation.ExchangeProtocolDefaults, bed.Clock);

        Assert.Equal(1, result.TornRows);
        Assert.All(Directory.GetFiles(bed.Tracking.Directory), f => Assert.EndsWith("\r\n", File.ReadAllText(f), StringComparison.Ordinal));
        var delivers = Rows(bed.Tracking.Directory).Where(r => r.Id == torn && r.Row["event-id"] == "DELIVER").ToList();
        Assert.Equal(TrackingReconciliation.RecoveredSourceContext, Assert.Single(delivers).Row["source-context"]);
    }

    /// <summary>
    /// The cost at start-up with 10,000 messages in queue.db: when all is confirmed (the normal case,
    /// e.g. a large deferred queue), and the worst case where none is (10,000 delivered messages whose
    /// confirmation never ran), half of whose DELIVER events are missing from the log.
    /// </summary>
    [Fact]
    public async Task Start_up_cost_with_10000_messages_is_bounded()
    {
        const int Messages = 10_000;
        var queueDirectory = Path.Combine(root, "queue");
        var tracking = Path.Combine(root, "tracking");
        var received = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var queue = new QueueDatabase(queueDirectory);
        var ids = Enumerable.Range(0, Messages).Select(_ => Guid.CreateVersion7().ToString("N")).ToList();
        var deliver = new FinalEvent(received.AddSeconds(1), "DELIVER", "STOREDRIVER", "250 2.0.0 delivered to Maildir");
        Insert(queueDirectory, ids, received, deliver, tracked: true, state: "Retry");

        var clock = Stopwatch.StartNew();
        var clean = await TrackingReconciliation.RunAsync(queue, tracking, LogRotation.ExchangeProtocolDefaults);
        var cleanTime = clock.Elapsed;
        Assert.Equal((0, 0), (clean.Candidates, clean.Written));

        var worstIds = Enumerable.Range(0, Messages).Select(_ => Guid.CreateVersion7().ToString("N")).ToList();
        Insert(queueDirectory, worstIds, received, deliver, tracked: false, state: "Delivered");
        var writer = new ExchangeLogWriter(tracking, ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults);
        var log = new MessageTrackingLog(writer);
        for (var i = 0; i < Messages; i++)
        {
            var network = Guid.ParseExact(worstIds[i], "N");
            log.Write(new TrackingEvent { Timestamp = received, EventId = "RECEIVE", Source = "SMTP", NetworkMessageId = network, Recipients = ["postmaster@domain.com"] });
            if (i % 2 == 0)
            {
                log.Write(new TrackingEvent { Timestamp = deliver.Utc, EventId = "DELIVER", Source = "STOREDRIVER", NetworkMessageId = network, Recipients = ["postmaster@domain.com"] });
            }
        }

        await writer.DisposeAsync();
        clock.Restart();
        var worst = await TrackingReconciliation.RunAsync(queue, tracking, LogRotation.ExchangeProtocolDefaults);
        var worstTime = clock.Elapsed;
        output.WriteLine($"{Messages} confirmed messages in queue.db: {cleanTime.TotalMilliseconds:F0} ms; "
            + $"{Messages} unconfirmed delivered ones ({worst.FilesScanned} log file(s), {Messages * 3 / 2} rows): {worstTime.TotalMilliseconds:F0} ms, {worst.Written} written, {worst.Pruned} pruned");

        Assert.Equal((2 * Messages, Messages / 2, Messages), (worst.Candidates, worst.Written, worst.Pruned));
        Assert.True(cleanTime < TimeSpan.FromSeconds(2), $"a clean start took {cleanTime}");
        Assert.True(worstTime < TimeSpan.FromSeconds(30), $"the worst case took {worstTime}");
    }

    /// <summary>Rows straight into queue.db in one transaction: spooling 10,000 files one fsync at a time would measure the disk, not reconciliation.</summary>
    private static void Insert(string queueDirectory, IReadOnlyList<string> ids, DateTimeOffset received, FinalEvent final, bool tracked, string state)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(queueDirectory, "queue.db")};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var message = connection.CreateCommand();
        message.CommandText = """
            INSERT INTO messages (id, spool_path, mail_from, received_utc, state, next_attempt_utc, expires_utc, facts, receive_tracked)
            VALUES ($id, $path, 'a@contoso.test', $at, $state, $at, $at, $facts, $tracked)
            """;
        using var recipient = connection.CreateCommand();
        recipient.CommandText = "INSERT INTO recipients (message_id, address, state, final_event, final_tracked) VALUES ($id, 'postmaster@domain.com', $state, $event, $tracked)";
        var at = received.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var id in ids)
        {
            var facts = JsonSerializer.Serialize(new MessageFacts { MessageId = $"<{id}@contoso.test>", ConnectorId = "test", Recipients = ["postmaster@domain.com"] });
            message.Parameters.Clear();
            message.Parameters.AddWithValue("$id", id);
            message.Parameters.AddWithValue("$path", Path.Combine(queueDirectory, "incoming", id + ".msg"));
            message.Parameters.AddWithValue("$at", at);
            message.Parameters.AddWithValue("$state", state);
            message.Parameters.AddWithValue("$facts", facts);
            message.Parameters.AddWithValue("$tracked", tracked ? 1 : 0);
            message.ExecuteNonQuery();
            recipient.Parameters.Clear();
            recipient.Parameters.AddWithValue("$id", id);
            recipient.Parameters.AddWithValue("$state", state == "Delivered" ? "Delivered" : "Pending");
            recipient.Parameters.AddWithValue("$event", state == "Delivered" ? JsonSerializer.Serialize(final) : DBNull.Value);
            recipient.Parameters.AddWithValue("$tracked", tracked ? 1 : 0);
            recipient.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static List<(string Id, LogRow Row)> Rows(string directory) =>
        [.. ExchangeLogReader.Files(directory).SelectMany(new ExchangeLogReader().Read).Select(r => (Guid.Parse(r["network-message-id"]!).ToString("N"), r))];

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
