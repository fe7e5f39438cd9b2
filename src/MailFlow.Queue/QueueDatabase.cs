using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace MailFlow.Queue;

/// <summary>Exchange's queue states for a message.</summary>
public enum MessageState
{
    Ready,
    Retry,
    Suspended,
    Delivered,
    Failed,
    Poison,
}

/// <summary>Per-recipient delivery state.</summary>
public enum RecipientState
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One recipient of a queued message; NextHop is the destination it was last routed to (null before the first attempt).</summary>
public sealed record QueuedRecipient(string Address, RecipientState State, string? LastStatus, int Attempts, string? NextHop = null);

public sealed record QueuedMessage(
    string Id,
    string SpoolPath,
    string MailFrom,
    DateTimeOffset ReceivedUtc,
    MessageState State,
    DateTimeOffset NextAttemptUtc,
    DateTimeOffset ExpiresUtc,
    int Attempts,
    string? LastError,
    IReadOnlyList<QueuedRecipient> Recipients,
    bool DelayNotified = false);

/// <summary>
/// One recipient's outcome to record; NextHop null keeps the one recorded before. A final outcome
/// carries the tracking event written for it, so that event can be written again if the log lost it.
/// </summary>
public sealed record RecipientRecord(string Address, RecipientState State, string Status, string? NextHop = null, FinalEvent? Event = null);

/// <summary>The DELIVER, SEND or FAIL event of one recipient, as the delivery side wrote it (time of the outcome, not of a later rewrite).</summary>
public sealed record FinalEvent(DateTimeOffset Utc, string EventId, string Source, string Status, string? Connector = null, string? ServerHost = null, string? Reason = null, string? ClientIp = null, string? ServerIp = null);

/// <summary>Message-ID, Subject and the client's byte count of a spooled message, read once at ingest (the header parser lives above this layer).</summary>
public sealed record MessageHeaders(string? MessageId, string? Subject, long ClientBytes);

/// <summary>
/// What a message's tracking events say about it, stored at ingest because the spool file is deleted
/// once the message is settled. Recipients are in envelope order, as RECEIVE lists them.
/// </summary>
public sealed record MessageFacts
{
    public long InternalId { get; init; }

    public string? MessageId { get; init; }

    public string? Subject { get; init; }

    /// <summary>Bytes the client sent (RECEIVE total-bytes).</summary>
    public long ClientBytes { get; init; }

    /// <summary>Bytes of the queued message with our trace header (DELIVER/SEND/FAIL total-bytes).</summary>
    public long TotalBytes { get; init; }

    public string ConnectorId { get; init; } = string.Empty;

    public string SessionId { get; init; } = string.Empty;

    public string? ClientIp { get; init; }

    public string? ClientHostname { get; init; }

    public string? ServerIp { get; init; }

    public string? ServerHostname { get; init; }

    public IReadOnlyList<string> Recipients { get; init; } = [];
}

/// <summary>A message whose tracking events are looked up at reconciliation; Facts is null for rows ingested before facts were stored.</summary>
public sealed record TrackedMessage(string Id, string MailFrom, DateTimeOffset ReceivedUtc, MessageFacts? Facts);

/// <summary>A recipient in a final state whose DELIVER/SEND/FAIL event is not yet known to be in the tracking log.</summary>
public sealed record UntrackedOutcome(TrackedMessage Message, string Address, FinalEvent Event);

/// <summary>A Get-Queue row: the messages waiting for one next hop (Submission before routing, Poison for unreadable ones).</summary>
public sealed record QueueSummary(string NextHopDomain, MessageState Status, int MessageCount, DateTimeOffset? NextRetryTime, string? LastError);

/// <summary>Get-Message filters; null matches everything.</summary>
public sealed record MessageFilter(MessageState? Status = null, string? NextHopDomain = null, string? Sender = null);

/// <summary>
/// The queue's state: SQLite in WAL mode with synchronous=FULL beside the spool files
/// (docs/decisions/0013). The spool file holds the bytes; the database holds per-message and
/// per-recipient state and the schedule, so Get-Queue-style questions are queries. One instance is one
/// SQLite connection and is not thread-safe: the delivery agent uses its own under a lock, queue
/// administration opens another (SQLite's WAL lets them work side by side).
/// </summary>
public sealed class QueueDatabase : IDisposable
{
    private readonly SqliteConnection connection;

    /// <summary>Prepared statements by SQL text: each is parsed once per connection, not once per call.</summary>
    private readonly Dictionary<string, SqliteCommand> statements = new(StringComparer.Ordinal);

    /// <summary>The transaction in progress, which every statement must join.</summary>
    private SqliteTransaction? transaction;

    /// <summary>Ids of spool files in incoming/ that are in the database (Ingest's memory; removed when the file goes).</summary>
    private readonly HashSet<string> knownSpoolFiles = [];

    private const string FileName = "queue.db";

    /// <summary>Opens the queue database of <paramref name="queueDirectory"/>, creating it (and the directory) on first use.</summary>
    public QueueDatabase(string queueDirectory)
        : this(new SqliteConnectionStringBuilder { DataSource = Path.Combine(CreatedDirectory(queueDirectory), FileName) })
    {
    }

    private QueueDatabase(SqliteConnectionStringBuilder source)
    {
        source.Pooling = false;
        connection = new SqliteConnection(source.ToString());
        connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
        Execute("""
            CREATE TABLE IF NOT EXISTS messages (
              id TEXT PRIMARY KEY, spool_path TEXT NOT NULL, mail_from TEXT NOT NULL, received_utc TEXT NOT NULL,
              state TEXT NOT NULL, next_attempt_utc TEXT NOT NULL, expires_utc TEXT NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
            CREATE TABLE IF NOT EXISTS recipients (
              message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE, address TEXT NOT NULL,
              state TEXT NOT NULL, last_status TEXT, attempts INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (message_id, address));
            CREATE INDEX IF NOT EXISTS due ON messages(state, next_attempt_utc);
            """);
        AddColumnIfMissing("messages", "delay_notified", "INTEGER NOT NULL DEFAULT 0");
        AddColumnIfMissing("recipients", "next_hop", "TEXT");

        // Tracking confirmation (docs/decisions/0020). The default 1 marks rows of a database written
        // before these columns existed as confirmed: their events were logged by the version that
        // wrote them, and nothing is left to rebuild them from. New rows are written with 0.
        AddColumnIfMissing("messages", "facts", "TEXT");
        AddColumnIfMissing("messages", "receive_tracked", "INTEGER NOT NULL DEFAULT 1");
        AddColumnIfMissing("recipients", "final_event", "TEXT");
        AddColumnIfMissing("recipients", "final_tracked", "INTEGER NOT NULL DEFAULT 1");
        Execute("""
            CREATE INDEX IF NOT EXISTS untracked_receive ON messages(id) WHERE receive_tracked = 0;
            CREATE INDEX IF NOT EXISTS untracked_outcome ON recipients(message_id) WHERE final_tracked = 0;
            """);
    }

    /// <summary>
    /// For queue administration while the service is not running: the database, or when none was ever
    /// created (nothing was ever queued here), an empty one in memory, so that listing the queue, or
    /// naming a message it cannot hold, does not create queue.db in a data directory.
    /// </summary>
    public static QueueDatabase OpenWithoutCreating(string queueDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueDirectory);
        return File.Exists(Path.Combine(queueDirectory, FileName)) ? new QueueDatabase(queueDirectory) : new QueueDatabase(new SqliteConnectionStringBuilder { DataSource = ":memory:" });
    }

    private static string CreatedDirectory(string queueDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueDirectory);
        Directory.CreateDirectory(queueDirectory);
        return queueDirectory;
    }

    /// <summary>
    /// Adds every verified spool file of <paramref name="spool"/> the database does not know yet
    /// (start-up and before each dispatch), all in one transaction. Files already known in this process
    /// are skipped without a query, so a large deferred queue costs a directory listing, not a lookup per file.
    /// <paramref name="headers"/> reads what the tracking events need from the content; the facts are
    /// stored so lost events can be rebuilt after the spool file is gone.
    /// </summary>
    public int Ingest(Spool spool, TimeSpan expiration, Func<SpooledMessage, MessageHeaders> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(spool);
        var added = new List<string>();
        TransactionScope? scope = null;
        try
        {
            foreach (var path in Directory.EnumerateFiles(spool.Incoming, "*.msg"))
            {
                var id = Path.GetFileNameWithoutExtension(path);
                if (knownSpoolFiles.Contains(id))
                {
                    continue;
                }

                if (Scalar("SELECT COUNT(*) FROM messages WHERE id = $id", ("$id", id)) > 0)
                {
                    if (Scalar("SELECT COUNT(*) FROM messages WHERE id = $id AND state IN ('Delivered', 'Failed')", ("$id", id)) > 0)
                    {
                        File.Delete(path); // settled before a crash took away the chance to delete it
                    }
                    else
                    {
                        knownSpoolFiles.Add(id);
                    }

                    continue;
                }

                SpooledMessage message;
                try
                {
                    message = Spool.Read(path);
                }
                catch (Core.Errors.MailFlowException)
                {
                    Directory.CreateDirectory(spool.Corrupt);
                    File.Move(path, Path.Combine(spool.Corrupt, Path.GetFileName(path)));
                    continue; // damaged on disk: quarantined, like Postfix's corrupt/
                }

                scope ??= Begin();
                var envelope = message.Envelope;
                var described = headers(message);
                var facts = new MessageFacts
                {
                    InternalId = envelope.InternalId,
                    MessageId = described.MessageId,
                    Subject = described.Subject,
                    ClientBytes = described.ClientBytes,
                    TotalBytes = message.Content.Length,
                    ConnectorId = envelope.ConnectorId,
                    SessionId = envelope.SessionId,
                    ClientIp = envelope.ClientAddress,
                    ClientHostname = envelope.ClientHelo,
                    ServerIp = envelope.ServerAddress,
                    ServerHostname = envelope.ServerHostname,
                    Recipients = [.. envelope.Recipients.Select(r => r.Address)],
                };

                // Reports we generate ourselves (connector "DSN") never had a RECEIVE: only the DSN event on the original.
                Execute("""
                    INSERT INTO messages (id, spool_path, mail_from, received_utc, state, next_attempt_utc, expires_utc, facts, receive_tracked)
                    VALUES ($id, $path, $from, $received, 'Ready', $received, $expires, $facts, $tracked)
                    """,
                    ("$id", id), ("$path", path), ("$from", envelope.MailFrom), ("$received", Stamp(envelope.ReceivedUtc)), ("$expires", Stamp(envelope.ReceivedUtc + expiration)),
                    ("$facts", JsonSerializer.Serialize(facts, QueueJsonContext.Default.MessageFacts)), ("$tracked", envelope.ConnectorId == "DSN" ? 1 : 0));
                foreach (var recipient in envelope.Recipients.Select(r => r.Address).Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    Execute("INSERT INTO recipients (message_id, address, state, final_tracked) VALUES ($id, $address, 'Pending', 0)", ("$id", id), ("$address", recipient));
                }

                added.Add(id);
            }

            scope?.Commit();
        }
        finally
        {
            scope?.Dispose();
        }

        knownSpoolFiles.UnionWith(added);
        return added.Count;
    }

    /// <summary>The spool file of <paramref name="id"/> is gone (settled or removed); Ingest stops remembering it.</summary>
    public void SpoolFileDeleted(string id) => knownSpoolFiles.Remove(id);

    /// <summary>Messages in Ready or Retry whose next attempt is due, leaving out <paramref name="busy"/> (attempts already in progress).</summary>
    public IReadOnlyList<QueuedMessage> Due(DateTimeOffset now, int limit, IReadOnlyCollection<string>? busy = null) =>
        busy is null or { Count: 0 }
            ? Query("SELECT * FROM messages WHERE state IN ('Ready', 'Retry') AND next_attempt_utc <= $now ORDER BY next_attempt_utc LIMIT $limit", ("$now", Stamp(now)), ("$limit", limit))
            : Query("SELECT * FROM messages WHERE state IN ('Ready', 'Retry') AND next_attempt_utc <= $now AND id NOT IN (SELECT value FROM json_each($busy)) ORDER BY next_attempt_utc LIMIT $limit",
                ("$now", Stamp(now)), ("$limit", limit), ("$busy", JsonSerializer.Serialize(busy, QueueJsonContext.Default.IReadOnlyCollectionString)));

    /// <summary>Messages still in the queue (not Delivered or Failed), by state.</summary>
    public IReadOnlyDictionary<string, long> CountByState()
    {
        var counts = new Dictionary<string, long>();
        var command = Command("SELECT state, COUNT(*) FROM messages WHERE state NOT IN ('Delivered', 'Failed') GROUP BY state", []);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public IReadOnlyList<QueuedMessage> All() => Query("SELECT * FROM messages ORDER BY received_utc");

    public QueuedMessage? Find(string id) => Query("SELECT * FROM messages WHERE id = $id", ("$id", id)).SingleOrDefault();

    /// <summary>
    /// Records the outcome of one send (or one local delivery) as soon as it is known, in one
    /// transaction, so a crash never re-delivers a recipient already done. A deferral keeps the recipient
    /// Pending but stores its status and next hop for Get-Queue.
    /// </summary>
    public void RecordRecipients(string id, IReadOnlyList<RecipientRecord> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        using var scope = Begin();
        foreach (var outcome in outcomes)
        {
            Execute("""
                UPDATE recipients SET state = $state, last_status = $status, attempts = attempts + 1, next_hop = COALESCE($hop, next_hop),
                  final_event = COALESCE($event, final_event), final_tracked = CASE WHEN $event IS NULL THEN final_tracked ELSE 0 END
                WHERE message_id = $id AND address = $address
                """,
                ("$id", id), ("$address", outcome.Address), ("$state", outcome.State.ToString()), ("$status", outcome.Status), ("$hop", outcome.NextHop),
                ("$event", outcome.Event is null ? null : JsonSerializer.Serialize(outcome.Event, QueueJsonContext.Default.FinalEvent)));
        }

        scope.Commit();
    }

    /// <summary>Messages whose RECEIVE event is not yet known to be in the tracking log.</summary>
    public IReadOnlyList<TrackedMessage> UntrackedReceives()
    {
        var result = new List<TrackedMessage>();
        using var reader = Command("SELECT id, mail_from, received_utc, facts FROM messages WHERE receive_tracked = 0", []).ExecuteReader();
        while (reader.Read())
        {
            result.Add(Tracked(reader, 0));
        }

        return result;
    }

    /// <summary>Recipients in a final state whose DELIVER/SEND/FAIL event is not yet known to be in the tracking log.</summary>
    public IReadOnlyList<UntrackedOutcome> UntrackedOutcomes()
    {
        var result = new List<UntrackedOutcome>();
        using var reader = Command("""
            SELECT m.id, m.mail_from, m.received_utc, m.facts, r.address, r.final_event
            FROM recipients r JOIN messages m ON m.id = r.message_id WHERE r.final_tracked = 0 AND r.final_event IS NOT NULL
            """, []).ExecuteReader();
        while (reader.Read())
        {
            result.Add(new UntrackedOutcome(Tracked(reader, 0), reader.GetString(4), JsonSerializer.Deserialize(reader.GetString(5), QueueJsonContext.Default.FinalEvent)!));
        }

        return result;
    }

    /// <summary>
    /// These events are on disk in the tracking log: their rows no longer need reconciling. One
    /// transaction for the batch. Ids not ingested yet are simply not matched.
    /// </summary>
    public void ConfirmTracking(IReadOnlyCollection<string> receives, IReadOnlyCollection<(string Id, string Address)> outcomes)
    {
        ArgumentNullException.ThrowIfNull(receives);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (receives.Count == 0 && outcomes.Count == 0)
        {
            return;
        }

        using var scope = Begin();
        foreach (var id in receives)
        {
            Execute("UPDATE messages SET receive_tracked = 1 WHERE id = $id AND receive_tracked = 0", ("$id", id));
        }

        foreach (var (id, address) in outcomes)
        {
            Execute("UPDATE recipients SET final_tracked = 1 WHERE message_id = $id AND address = $address COLLATE NOCASE AND final_tracked = 0", ("$id", id), ("$address", address));
        }

        scope.Commit();
    }

    /// <summary>
    /// Forgets settled messages whose every tracking event is confirmed and whose spool file is gone
    /// (a file still present means Finish has not deleted it yet, and Ingest must still recognise it as
    /// settled). Returns how many rows went.
    /// </summary>
    public int PruneSettled()
    {
        var settled = new List<(string Id, string Path)>();
        using (var reader = Command("""
            SELECT id, spool_path FROM messages m WHERE state IN ('Delivered', 'Failed') AND receive_tracked = 1
              AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND r.final_tracked = 0)
            """, []).ExecuteReader())
        {
            while (reader.Read())
            {
                settled.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var gone = settled.Where(m => !knownSpoolFiles.Contains(m.Id) && !File.Exists(m.Path)).ToList();
        if (gone.Count == 0)
        {
            return 0;
        }

        using var scope = Begin();
        foreach (var (id, _) in gone)
        {
            Execute("DELETE FROM messages WHERE id = $id", ("$id", id));
        }

        scope.Commit();
        return gone.Count;
    }

    /// <summary>The delay DSN for this message has been queued; it is sent once (DelayNotificationTimeout).</summary>
    public void MarkDelayNotified(string id) => Execute("UPDATE messages SET delay_notified = 1 WHERE id = $id", ("$id", id));

    /// <summary>Suspend-Message: a Ready or Retry message is held until resumed.</summary>
    public bool Suspend(string id) => Execute("UPDATE messages SET state = 'Suspended' WHERE id = $id AND state IN ('Ready', 'Retry')", ("$id", id)) == 1;

    /// <summary>Resume-Message: a suspended (or poison) message goes back to its queue and is due now.</summary>
    public bool Resume(string id, DateTimeOffset now) =>
        Execute("UPDATE messages SET state = CASE WHEN attempts = 0 THEN 'Ready' ELSE 'Retry' END, next_attempt_utc = $now WHERE id = $id AND state IN ('Suspended', 'Poison')",
            ("$id", id), ("$now", Stamp(now))) == 1;

    /// <summary>Remove-Message: forgets the message (the caller deletes the spool file after this commits).</summary>
    public bool Remove(string id)
    {
        knownSpoolFiles.Remove(id);
        return Execute("DELETE FROM messages WHERE id = $id", ("$id", id)) == 1;
    }

    /// <summary>Get-Message: messages still in the queue (not Delivered or Failed) that match the filter.</summary>
    public IReadOnlyList<QueuedMessage> Messages(MessageFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Query("""
            SELECT * FROM messages m WHERE state NOT IN ('Delivered', 'Failed')
              AND ($state IS NULL OR state = $state)
              AND ($sender IS NULL OR mail_from = $sender COLLATE NOCASE)
              AND ($hop IS NULL OR EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND r.state = 'Pending'
                   AND COALESCE(r.next_hop, 'Submission') = $hop COLLATE NOCASE))
            ORDER BY received_utc
            """, ("$state", filter.Status?.ToString()), ("$sender", filter.Sender), ("$hop", filter.NextHopDomain));
    }

    /// <summary>
    /// Get-Queue: one row per next hop with pending recipients. Messages not yet routed are in
    /// Submission, unreadable ones in Poison, as Exchange names those queues.
    /// </summary>
    public IReadOnlyList<QueueSummary> Queues()
    {
        var rows = new List<QueueSummary>();
        var command = Command("""
            SELECT CASE WHEN m.state = 'Poison' THEN 'Poison' ELSE COALESCE(r.next_hop, 'Submission') END AS hop,
                   MAX(CASE m.state WHEN 'Retry' THEN 2 WHEN 'Suspended' THEN 1 ELSE 0 END),
                   COUNT(DISTINCT m.id), MIN(CASE WHEN m.state = 'Retry' THEN m.next_attempt_utc END), MAX(m.last_error)
            FROM messages m JOIN recipients r ON r.message_id = m.id
            WHERE m.state IN ('Ready', 'Retry', 'Suspended', 'Poison') AND r.state = 'Pending'
            GROUP BY hop ORDER BY hop
            """, []);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var hop = reader.GetString(0);
            var status = hop == "Poison" ? MessageState.Poison : reader.GetInt64(1) switch { 2 => MessageState.Retry, 1 => MessageState.Suspended, _ => MessageState.Ready };
            rows.Add(new QueueSummary(hop, status, reader.GetInt32(2), reader.IsDBNull(3) ? null : ParseStamp(reader.GetString(3)), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return rows;
    }

    /// <summary>Closes an attempt: Delivered/Failed when no recipient is pending, else Retry at <paramref name="nextAttempt"/>. Returns the new state.</summary>
    public MessageState FinishAttempt(string id, DateTimeOffset nextAttempt, string? lastError)
    {
        var pending = Scalar("SELECT COUNT(*) FROM recipients WHERE message_id = $id AND state = 'Pending'", ("$id", id));
        var delivered = Scalar("SELECT COUNT(*) FROM recipients WHERE message_id = $id AND state = 'Delivered'", ("$id", id));
        var state = pending > 0 ? MessageState.Retry : delivered > 0 ? MessageState.Delivered : MessageState.Failed;
        Execute("UPDATE messages SET state = $state, next_attempt_utc = $next, attempts = attempts + 1, last_error = $error WHERE id = $id",
            ("$id", id), ("$state", state.ToString()), ("$next", Stamp(nextAttempt)), ("$error", lastError));
        return state;
    }

    /// <summary>Sets a message aside that cannot be processed (Exchange's poison queue), with the reason.</summary>
    public void MarkPoison(string id, string reason) =>
        Execute("UPDATE messages SET state = 'Poison', last_error = $reason WHERE id = $id", ("$id", id), ("$reason", reason));

    /// <summary>Retry-Queue: every message waiting in Retry (for one next hop, when given) becomes due now.</summary>
    public int RetryNow(DateTimeOffset now, string? nextHopDomain = null) =>
        Execute("""
            UPDATE messages SET next_attempt_utc = $now WHERE state = 'Retry'
              AND ($hop IS NULL OR EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = messages.id AND r.state = 'Pending' AND r.next_hop = $hop COLLATE NOCASE))
            """, ("$now", Stamp(now)), ("$hop", nextHopDomain));

    public void Dispose()
    {
        foreach (var statement in statements.Values)
        {
            statement.Dispose();
        }

        connection.Dispose();
    }

    private TransactionScope Begin() => new(this, transaction = connection.BeginTransaction());

    /// <summary>A transaction the cached statements join until it ends.</summary>
    private sealed class TransactionScope(QueueDatabase owner, SqliteTransaction inner) : IDisposable
    {
        public void Commit() => inner.Commit();

        public void Dispose()
        {
            inner.Dispose();
            owner.transaction = null;
        }
    }

    private static string Stamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseStamp(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private List<QueuedMessage> Query(string sql, params (string Name, object? Value)[] parameters)
    {
        var rows = new List<(string Id, string Path, string From, string Received, string State, string Next, string Expires, long Attempts, string? Error, bool DelayNotified)>();
        using (var reader = Command(sql, parameters).ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetInt64(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetInt64(reader.GetOrdinal("delay_notified")) != 0));
            }
        }

        return rows.Select(r => new QueuedMessage(r.Id, r.Path, r.From, ParseStamp(r.Received), Enum.Parse<MessageState>(r.State), ParseStamp(r.Next), ParseStamp(r.Expires), (int)r.Attempts, r.Error, Recipients(r.Id), r.DelayNotified)).ToList();
    }

    private static TrackedMessage Tracked(SqliteDataReader reader, int first) =>
        new(reader.GetString(first), reader.GetString(first + 1), ParseStamp(reader.GetString(first + 2)),
            reader.IsDBNull(first + 3) ? null : JsonSerializer.Deserialize(reader.GetString(first + 3), QueueJsonContext.Default.MessageFacts));

    private List<QueuedRecipient> Recipients(string id)
    {
        var result = new List<QueuedRecipient>();
        var command = Command("SELECT address, state, last_status, attempts, next_hop FROM recipients WHERE message_id = $id ORDER BY address", [("$id", id)]);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new QueuedRecipient(reader.GetString(0), Enum.Parse<RecipientState>(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return result;
    }

    /// <summary>Schema upgrade for databases written before the column existed.</summary>
    private void AddColumnIfMissing(string table, string column, string definition)
    {
        if (Scalar($"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'") == 0)
        {
            Execute($"ALTER TABLE {table} ADD COLUMN {column} {definition}");
        }
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    private long Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Command(sql, parameters);
        return (long)command.ExecuteScalar()!;
    }

    private SqliteCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        if (!statements.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            statements.Add(sql, command);
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
