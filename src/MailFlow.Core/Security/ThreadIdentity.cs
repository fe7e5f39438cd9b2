using System.Globalization;

namespace MailFlow.Core.Security;

/// <summary>
/// One thread's credentials from <c>/proc/&lt;pid&gt;/task/&lt;tid&gt;/status</c>: the Uid and Gid lines hold
/// the real, effective, saved and filesystem ids (proc(5)), Groups the supplementary groups, CapEff the
/// effective capabilities.
/// </summary>
public sealed record ThreadIdentity(int Id, IReadOnlyList<uint> UserIds, IReadOnlyList<uint> GroupIds, IReadOnlyList<uint> SupplementaryGroups, ulong EffectiveCapabilities)
{
    /// <summary>Every thread under <paramref name="taskDirectory"/> (e.g. <c>/proc/1234/task</c>); threads that end while it is read are skipped.</summary>
    public static IReadOnlyList<ThreadIdentity> ReadAll(string taskDirectory)
    {
        var threads = new List<ThreadIdentity>();
        foreach (var directory in Directory.EnumerateDirectories(taskDirectory))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(Path.Combine(directory, "status"));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                continue; // the thread ended between the listing and the read
            }

            threads.Add(Parse(int.Parse(Path.GetFileName(directory), CultureInfo.InvariantCulture), lines));
        }

        return threads;
    }

    public static ThreadIdentity Parse(int id, IEnumerable<string> statusLines)
    {
        ArgumentNullException.ThrowIfNull(statusLines);
        IReadOnlyList<uint> uids = [], gids = [], groups = [];
        ulong capabilities = 0;
        foreach (var line in statusLines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var value = line[(colon + 1)..];
            switch (line[..colon])
            {
                case "Uid":
                    uids = Numbers(value);
                    break;
                case "Gid":
                    gids = Numbers(value);
                    break;
                case "Groups":
                    groups = Numbers(value);
                    break;
                case "CapEff":
                    capabilities = ulong.Parse(value.Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    break;
            }
        }

        return new ThreadIdentity(id, uids, gids, groups, capabilities);
    }

    private static uint[] Numbers(string value) =>
        value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(n => uint.Parse(n, CultureInfo.InvariantCulture)).ToArray();
}
