using MailFlow.Core.Security;

namespace MailFlow.Core.Tests;

/// <summary>Reading a thread's credentials the way proc(5) lays them out.</summary>
public sealed class ThreadIdentityTests
{
    [Fact]
    public void Parses_the_id_lines_of_a_status_file()
    {
        string[] status =
        [
            "Name:\t.NET TP Worker",
            "Umask:\t0022",
            "Uid:\t998\t998\t998\t998",
            "Gid:\t997\t997\t997\t0",
            "Groups:\t",
            "CapInh:\t0000000000000000",
            "CapEff:\t0000000000000400",
        ];

        var thread = ThreadIdentity.Parse(41, status);

        Assert.Equal(41, thread.Id);
        Assert.Equal([998u, 998, 998, 998], thread.UserIds);
        Assert.Equal([997u, 997, 997, 0], thread.GroupIds); // a filesystem gid left at 0 must show, not be hidden
        Assert.Empty(thread.SupplementaryGroups);
        Assert.Equal(1UL << 10, thread.EffectiveCapabilities); // CAP_NET_BIND_SERVICE
    }

    [Fact]
    public void Every_thread_of_this_process_is_listed_with_this_process_s_real_user()
    {
        var threads = ProcessIdentity.Threads();

        Assert.True(threads.Count > 1, "a .NET process has more than one thread");
        Assert.All(threads, t => Assert.Equal(ProcessIdentity.UserId, t.UserIds[0]));
    }

    [Fact]
    public void The_owner_of_a_file_is_read_from_stat()
    {
        var path = Path.GetTempFileName();
        try
        {
            Assert.Equal(ProcessIdentity.UserId, ProcessIdentity.OwnerOf(path)?.UserId);
            Assert.Null(ProcessIdentity.OwnerOf(path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
