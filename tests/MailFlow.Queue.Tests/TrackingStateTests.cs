using Microsoft.Data.Sqlite;

namespace MailFlow.Queue.Tests;

/// <summary>What queue.db keeps so lost tracking events can be rebuilt (docs/decisions/0020), and the upgrade of an older queue.db.</summary>
public sealed class TrackingStateTests : IDisposable
{
    private static readonly DateTimeOffset Received = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly string directory = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void Ingest_stores_the_facts_RECEIVE_needs_and_a_final_outcome_stays_unconfirmed_until_confirmed()
    {
        var spool = new Spool(directory);
        var id = Spooled(spool, "dsn-less");
        using var queue = new QueueDatabase(directory);
        queue.Ingest(spool, TimeSpan.FromDays(2), m => new MessageHeaders("<m@contoso.test>", "Quarterly", m.Content.Length - 10));

        var receive = Assert.Single(queue.UntrackedReceives());
        Assert.Equal(Received, receive.ReceivedUtc);
        Assert.Equal("a@contoso.test", receive.MailFrom);
        var facts = receive.Facts!;
        Assert.Equal(("<m@contoso.test>", "Quarterly", 42L), (facts.MessageId, facts.Subject, facts.InternalId));
        Assert.Equal(("192.0.2.1", "c.test", "127.0.0.1", "mail.domain.com"), (facts.ClientIp, facts.ClientHostname, facts.ServerIp, facts.ServerHostname));
        Assert.Equal(facts.TotalBytes - 10, facts.ClientBytes);
        Assert.Equal(["user@domain.com", "other@domain.com"], facts.Recipients);
        Assert.Empty(queue.UntrackedOutcomes()); // nothing final yet

        var delivered = new FinalEvent(Received.AddSeconds(3), "DELIVER", "STOREDRIVER", "250 2.0.0 delivered to Maildir");
        queue.RecordRecipients(id, [new RecipientRecord("user@domain.com", RecipientState.Delivered, "250 2.0.0 delivered to Maildir", Event: delivered)]);
        queue.RecordRecipients(id, [new RecipientRecord("other@domain.com", RecipientState.Pending, "451 4.4.0 later")]); // a deferral is not final
        var outcome = Assert.Single(queue.UntrackedOutcomes());
        Assert.Equal(("user@domain.com", delivered), (outcome.Address, outcome.Event));

        queue.ConfirmTracking([id], [(id, "USER@domain.com")]);
        Assert.Empty(queue.UntrackedReceives());
        Assert.Empty(queue.UntrackedOutcomes());
    }

    [Fact]
    public void A_settled_message_is_pruned_only_when_every_event_is_confirmed_and_its_spool_file_is_gone()
    {
        var spool = new Spool(directory);
        var id = Spooled(spool, "prune");
        using var queue = new QueueDatabase(directory);
        queue.Ingest(spool, TimeSpan.FromDays(2), m => new MessageHeaders(null, null, m.Content.Length));
        var sent = new FinalEvent(Received, "SEND", "SMTP", "250 2.0.0 OK", "To sink", "sink.test");
        queue.RecordRecipients(id, [.. new[] { "user@domain.com", "other@domain.com" }.Select(r => new RecipientRecord(r, RecipientState.Delivered, "250 2.0.0 OK", Event: sent))]);
        Assert.Equal(MessageState.Delivered, queue.FinishAttempt(id, Received, null));
        queue.ConfirmTracking([id], [(id, "user@domain.com"), (id, "other@domain.com")]);

        Assert.Equal(0, queue.PruneSettled()); // the spool file is still there: Ingest must still see the row as settled
        File.Delete(queue.Find(id)!.SpoolPath);
        queue.SpoolFileDeleted(id);
        Assert.Equal(1, queue.PruneSettled());
        Assert.Null(queue.Find(id));
    }

    [Fact]
    public void An_older_queue_db_is_upgraded_and_its_history_is_not_reconciled()
    {
        Directory.CreateDirectory(directory);
        using (var old = new SqliteConnection($"Data Source={Path.Combine(directory, "queue.db")};Pooling=False"))
        {
            // The schema as the previous release wrote it: no facts, no confirmation columns.
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE messages (id TEXT PRIMARY KEY, spool_path TEXT NOT NULL, mail_from TEXT NOT NULL, received_utc TEXT NOT NULL,
                  state TEXT NOT NULL, next_attempt_utc TEXT NOT NULL, expires_utc TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
                  delay_notified INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE recipients (message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE, address TEXT NOT NULL,
                  state TEXT NOT NULL, last_status TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_hop TEXT, PRIMARY KEY (message_id, address));
                INSERT INTO messages VALUES ('done', '/gone/done.msg', 'a@contoso.test', '2026-01-01T00:00:00.0000000Z', 'Delivered', '2026-01-01T00:00:00.0000000Z', '2026-01-03T00:00:00.0000000Z', 1, NULL, 0);
                INSERT INTO recipients VALUES ('done', 'user@domain.com', 'Delivered', '250 2.0.0 delivered to Maildir', 1, NULL);
                INSERT INTO messages VALUES ('waiting', '/gone/waiting.msg', 'a@contoso.test', '2026-01-01T00:00:00.0000000Z', 'Retry', '2026-01-01T00:10:00.0000000Z', '2099-01-03T00:00:00.0000000Z', 1, NULL, 0);
                INSERT INTO recipients VALUES ('waiting', 'remote@fabrikam.test', 'Pending', '451 4.4.0 later', 1, 'fabrikam.test');
                """;
            create.ExecuteNonQuery();
        }

        using var queue = new QueueDatabase(directory);
        Assert.Empty(queue.UntrackedReceives()); // logged by the release that accepted them
        Assert.Empty(queue.UntrackedOutcomes());
        Assert.Equal(MessageState.Retry, queue.Find("waiting")!.State);

        // An outcome after the upgrade is tracked like any other; the old row has no facts to rebuild from.
        var failed = new FinalEvent(Received, "FAIL", "SMTP", "550 5.1.1 unknown", "Outbound", "mx.fabrikam.test");
        queue.RecordRecipients("waiting", [new RecipientRecord("remote@fabrikam.test", RecipientState.Failed, "550 5.1.1 unknown", Event: failed)]);
        var outcome = Assert.Single(queue.UntrackedOutcomes());
        Assert.Null(outcome.Message.Facts);
        Assert.Equal(failed, outcome.Event);

        Assert.Equal(1, queue.PruneSettled()); // the old delivered row: confirmed by default, its file long gone
        Assert.Null(queue.Find("done"));
    }

    [Fact]
    public void Rows_written_before_source_generated_JSON_read_and_the_same_facts_and_event_are_written_byte_for_byte()
    {
        var spool = new Spool(directory);
        File.WriteAllBytes(Path.Combine(spool.Incoming, "20260101T000000Z-0001.msg"), OldFormat.SpoolFile());
        using var queue = new QueueDatabase(directory);
        queue.Ingest(spool, TimeSpan.FromDays(2), m => new MessageHeaders("<m1@example.com>", "old \"format\" \u00E9", 23));
        var id = Assert.Single(queue.All()).Id;
        var delivered = new FinalEvent(new DateTimeOffset(2026, 1, 2, 3, 5, 0, TimeSpan.Zero), "DELIVER", "STOREDRIVER", "250 2.0.0 OK", "Intra-Organization SMTP Send Connector", "mx.contoso.com", null, "192.0.2.1", "192.0.2.2");
        queue.RecordRecipients(id, [new RecipientRecord("user@contoso.com", RecipientState.Delivered, "250 2.0.0 OK", "contoso.com", delivered)]);

        Assert.Equal(OldFormat.Facts, Column("SELECT facts FROM messages"));
        Assert.Equal(OldFormat.FinalEvent, Column("SELECT final_event FROM recipients WHERE final_event IS NOT NULL"));

        // The old text, not what this build wrote, is what the queue reads back.
        Execute("UPDATE messages SET facts = $json", OldFormat.Facts);
        Execute("UPDATE recipients SET final_event = $json WHERE final_event IS NOT NULL", OldFormat.FinalEvent);
        var facts = Assert.Single(queue.UntrackedReceives()).Facts!;
        Assert.Equal(("<m1@example.com>", "old \"format\" \u00E9", 23L, 22L), (facts.MessageId, facts.Subject, facts.ClientBytes, facts.TotalBytes));
        Assert.Equal(["user@contoso.com", "other@contoso.com"], facts.Recipients);
        Assert.Equal(delivered, Assert.Single(queue.UntrackedOutcomes()).Event);
    }

    private string? Column(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string?)command.ExecuteScalar();
    }

    private void Execute(string sql, string json)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$json", json);
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "queue.db")};Pooling=False");
        connection.Open();
        return connection;
    }

    private static string Spooled(Spool spool, string name)
    {
        var id = Guid.CreateVersion7().ToString("N");
        using var transaction = spool.Begin(new SpooledEnvelope
        {
            Id = id,
            InternalId = 42,
            ReceivedUtc = Received,
            ConnectorId = @"SERVER1\Default Frontend SERVER1",
            SessionId = "08D479E14521204D",
            ClientAddress = "192.0.2.1",
            ClientHelo = "c.test",
            ServerAddress = "127.0.0.1",
            ServerHostname = "mail.domain.com",
            MailFrom = "a@contoso.test",
            Recipients = [new SpooledRecipient("user@domain.com"), new SpooledRecipient("other@domain.com")],
        });
        transaction.Write(System.Text.Encoding.ASCII.GetBytes($"Subject: {name}\r\n\r\nbody\r\n"));
        transaction.Commit();
        return id;
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
