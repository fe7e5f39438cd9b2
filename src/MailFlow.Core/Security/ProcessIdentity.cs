using System.Globalization;
using System.Runtime.InteropServices;
using MailFlow.Core.Errors;

namespace MailFlow.Core.Security;

/// <summary>A local account the transport can run as.</summary>
public sealed record ServiceAccount(string Name, uint UserId, uint GroupId)
{
    public override string ToString() => $"{Name} (uid {UserId}, gid {GroupId})";
}

/// <summary>
/// Who the process is, and giving root up. Linux only: the calls are glibc's, which apply a set*id change
/// to every thread of the process (POSIX requires it; the kernel's own calls are per thread), so the
/// runtime's thread pool, GC and timer threads change with the thread that asks.
/// </summary>
public static partial class ProcessIdentity
{
    /// <summary>True once <see cref="DropTo"/> has given root up for good: a bind below 1024 now needs a socket bound before.</summary>
    public static bool DroppedRoot { get; private set; }

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>The effective user id: what file access and binding are checked against.</summary>
    public static uint EffectiveUserId => GetEffectiveUserId();

    /// <summary>The real user id.</summary>
    public static uint UserId => GetUserId();

    /// <summary>The real group id.</summary>
    public static uint GroupId => GetGroupId();

    /// <summary>The account named <paramref name="name"/> in the system's user database (files, LDAP, … through NSS), or null.</summary>
    public static ServiceAccount? Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Lookup(name, 0, byName: true);
    }

    /// <summary>The account with user id <paramref name="userId"/>, or one named by the number when the database has none.</summary>
    public static ServiceAccount ForUserId(uint userId, uint groupId) =>
        Lookup(null, userId, byName: false) ?? new ServiceAccount(userId.ToString(CultureInfo.InvariantCulture), userId, groupId);

    /// <summary>The owner (uid, gid) of <paramref name="path"/>, or null when it does not exist.</summary>
    public static (uint UserId, uint GroupId)? OwnerOf(string path)
    {
        var status = new byte[256];
        if (Stat(path, status) != 0)
        {
            return null;
        }

        var (uid, gid) = OwnerOffsets();
        return (BitConverter.ToUInt32(status, uid), BitConverter.ToUInt32(status, gid));
    }

    /// <summary>The device and inode of an open descriptor, as systemd writes them in <c>$JOURNAL_STREAM</c>.</summary>
    public static (ulong Device, ulong Inode)? DeviceAndInode(int descriptor)
    {
        var status = new byte[256];
        return FileStatus(descriptor, status) != 0 ? null : (BitConverter.ToUInt64(status, 0), BitConverter.ToUInt64(status, 8));
    }

    public static void ChangeOwner(string path, ServiceAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (Chown(path, account.UserId, account.GroupId) != 0)
        {
            throw new MailFlowException($"cannot give {path} to {account}: errno {Marshal.GetLastPInvokeError()}", MailFlowErrorKind.OperationFailed);
        }
    }

    /// <summary>
    /// Gives root up for good: supplementary groups cleared, then the group, then the user (in that
    /// order: after setuid nothing else may be changed). Checked afterwards in /proc for every thread,
    /// and by trying to get root back, so a partial drop stops the start instead of running on half-privileged.
    /// </summary>
    public static void DropTo(ServiceAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.UserId == 0)
        {
            throw new MailFlowException($"refusing to run as {account}: that is root", MailFlowErrorKind.InvalidArgument);
        }

        Check(SetGroups(0, IntPtr.Zero), "setgroups");
        Check(SetGroupId(account.GroupId), "setgid");
        Check(SetUserId(account.UserId), "setuid");
        DroppedRoot = true;
        if (SetUserId(0) == 0)
        {
            throw new MailFlowException($"dropping root to {account} did not hold: setuid(0) succeeded afterwards", MailFlowErrorKind.OperationFailed);
        }

        foreach (var thread in Threads())
        {
            if (thread.UserIds.Any(id => id != account.UserId) || thread.GroupIds.Any(id => id != account.GroupId) || thread.SupplementaryGroups.Count > 0)
            {
                throw new MailFlowException($"dropping root to {account} did not reach thread {thread.Id}: Uid {string.Join(' ', thread.UserIds)}, Gid {string.Join(' ', thread.GroupIds)}, Groups {string.Join(' ', thread.SupplementaryGroups)}", MailFlowErrorKind.OperationFailed);
            }
        }
    }

    /// <summary>
    /// Runs with <paramref name="account"/>'s effective ids until disposed (root stays the real id, so it
    /// can come back): files made meanwhile belong to the account, as they will once root is given up.
    /// </summary>
    public static IDisposable ActAs(ServiceAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        Check(SetEffectiveGroupId(account.GroupId), "setegid");
        Check(SetEffectiveUserId(account.UserId), "seteuid");
        return new Restore();
    }

    /// <summary>Every thread's ids as the kernel reports them (real, effective, saved, filesystem), from /proc/self/task.</summary>
    public static IReadOnlyList<ThreadIdentity> Threads() => ThreadIdentity.ReadAll("/proc/self/task");

    private static unsafe ServiceAccount? Lookup(string? name, uint userId, bool byName)
    {
        // The entry's strings point into the buffer, so both stay pinned until the name is copied out.
        var buffer = new byte[16384];
        var entry = new byte[48];
        fixed (byte* entryPointer = entry)
        fixed (byte* bufferPointer = buffer)
        {
            var found = IntPtr.Zero;
            var status = byName
                ? GetPasswordEntryByName(name!, (IntPtr)entryPointer, (IntPtr)bufferPointer, buffer.Length, ref found)
                : GetPasswordEntryById(userId, (IntPtr)entryPointer, (IntPtr)bufferPointer, buffer.Length, ref found);
            if (status != 0 || found == IntPtr.Zero)
            {
                return null;
            }

            // struct passwd on LP64 Linux: pw_name, pw_passwd (pointers), pw_uid, pw_gid (32-bit each), then pointers.
            var accountName = Marshal.PtrToStringUTF8(*(IntPtr*)entryPointer)!;
            return new ServiceAccount(accountName, *(uint*)(entryPointer + 16), *(uint*)(entryPointer + 20));
        }
    }

    /// <summary>Where st_uid and st_gid sit in struct stat: x86-64 has its own layout, arm64 the generic one.</summary>
    private static (int Uid, int Gid) OwnerOffsets() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (28, 32),
        Architecture.Arm64 => (24, 28),
        var other => throw new PlatformNotSupportedException($"reading file owners is not implemented for {other}"),
    };

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new MailFlowException($"{call} failed: errno {Marshal.GetLastPInvokeError()} (changing the user needs root)", MailFlowErrorKind.OperationFailed);
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUserId();

    [LibraryImport("libc", EntryPoint = "getgid")]
    private static partial uint GetGroupId();

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    private static partial int SetGroups(nuint size, IntPtr list);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    private static partial int SetGroupId(uint gid);

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    private static partial int SetUserId(uint uid);

    [LibraryImport("libc", EntryPoint = "setegid", SetLastError = true)]
    private static partial int SetEffectiveGroupId(uint gid);

    [LibraryImport("libc", EntryPoint = "seteuid", SetLastError = true)]
    private static partial int SetEffectiveUserId(uint uid);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Chown(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, [Out] byte[] status);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int FileStatus(int descriptor, [Out] byte[] status);

    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetPasswordEntryByName(string name, IntPtr entry, IntPtr buffer, nint length, ref IntPtr result);

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static partial int GetPasswordEntryById(uint uid, IntPtr entry, IntPtr buffer, nint length, ref IntPtr result);

    private sealed class Restore : IDisposable
    {
        public void Dispose()
        {
            Check(SetEffectiveUserId(0), "seteuid");
            Check(SetEffectiveGroupId(0), "setegid");
        }
    }
}
