using MailFlow.Configuration.Users;
using MailFlow.Core.Security;
using MailFlow.Logs;
using MailFlow.Queue;

namespace MailFlow.Smtp.Server;

/// <summary>What every receive session shares: the spool, the logs, the users, the clock.</summary>
public sealed class ReceiveContext
{
    private readonly Dictionary<string, string> passwordHashes;
    private long lastInternalId;

    public ReceiveContext(Spool spool, ProtocolLog protocolLog, MessageTrackingLog tracking, IReadOnlyList<SmtpUser> users, TimeProvider? time = null)
    {
        Spool = spool ?? throw new ArgumentNullException(nameof(spool));
        ProtocolLog = protocolLog ?? throw new ArgumentNullException(nameof(protocolLog));
        Tracking = tracking ?? throw new ArgumentNullException(nameof(tracking));
        ArgumentNullException.ThrowIfNull(users);
        passwordHashes = users.ToDictionary(u => u.Name, u => u.PasswordHash, StringComparer.OrdinalIgnoreCase);
        Time = time ?? TimeProvider.System;
        lastInternalId = Time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    public Spool Spool { get; }

    public ProtocolLog ProtocolLog { get; }

    public MessageTrackingLog Tracking { get; }

    public TimeProvider Time { get; }

    public long NextInternalId() => Interlocked.Increment(ref lastInternalId);

    /// <summary>Raised after a message was committed to the spool (and before its 250 is sent).</summary>
    public event Action? MessageAccepted;

    internal void OnMessageAccepted() => MessageAccepted?.Invoke();

    /// <summary>PBKDF2 verification (slow by design); runs off the session loop. Unknown users cost the same as known ones.</summary>
    public Task<bool> VerifyAsync(string user, string password) => Task.Run(() =>
    {
        var known = passwordHashes.TryGetValue(user, out var hash);
        var result = PasswordHasher.Verify(password, hash ?? UnknownUserHash.Value);
        return known && result;
    });

    private static readonly Lazy<string> UnknownUserHash = new(() => PasswordHasher.Hash(Guid.NewGuid().ToString()));
}
