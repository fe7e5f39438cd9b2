using MailFlow.Core.Security;

namespace MailFlow.Core.Diagnostics;

/// <summary>
/// The service's own messages (start, restart, refused configuration, listener failures) on stderr.
/// Under systemd, when stderr is the journal, each line begins with its priority in angle brackets
/// (sd-daemon(3)), so <c>journalctl -u mailflow -p warning</c> shows warnings and errors only; anywhere
/// else a warning says so in words.
/// </summary>
public sealed class OperationalLog(TextWriter writer, bool journal)
{
    public const string JournalStreamVariable = "JOURNAL_STREAM";

    /// <summary>The log for this process's stderr, with priorities when systemd connected it to the journal.</summary>
    public static OperationalLog ForStandardError(TextWriter stderr, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new OperationalLog(stderr, ReferenceEquals(stderr, Console.Error) && IsJournal(environment(JournalStreamVariable), ProcessIdentity.DeviceAndInode(2)));
    }

    /// <summary>
    /// systemd.exec(5): <c>$JOURNAL_STREAM</c> is "device:inode" of the stream it connected; only a
    /// descriptor that is still that stream is the journal (a child may have inherited the variable
    /// with its stderr redirected elsewhere).
    /// </summary>
    public static bool IsJournal(string? journalStream, (ulong Device, ulong Inode)? standardError)
    {
        if (standardError is not { } actual || string.IsNullOrEmpty(journalStream))
        {
            return false;
        }

        var parts = journalStream.Split(':');
        return parts.Length == 2
            && ulong.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var device)
            && ulong.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var inode)
            && device == actual.Device && inode == actual.Inode;
    }

    public void Write(Severity severity, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (journal)
        {
            // The journal makes an entry of every line: each carries the priority, or a hint line of an error would read as info.
            foreach (var line in message.Split('\n'))
            {
                writer.WriteLine($"<{(int)severity}>{line.TrimEnd('\r')}");
            }
        }
        else
        {
            writer.WriteLine(severity == Severity.Warning ? $"mailflow: warning: {message}" : $"mailflow: {message}");
        }

        writer.Flush();
    }
}
