using MailFlow.Core.Security;

namespace MailFlow.Configuration.Listening;

/// <summary>Whether this process may bind ports below 1024 on Linux.</summary>
public static class PrivilegedPorts
{
    private const int CapNetBindService = 10;

    /// <summary>
    /// The lowest port this process may bind: 0 when it is root or has CAP_NET_BIND_SERVICE, else
    /// net.ipv4.ip_unprivileged_port_start (1024 by default).
    /// </summary>
    public static int LowestBindablePort()
    {
        if (!OperatingSystem.IsLinux() || Environment.IsPrivilegedProcess || HasNetBindCapability())
        {
            return 0;
        }

        try
        {
            return int.TryParse(File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim(), out var start) ? start : 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 1024;
        }
    }

    private static bool HasNetBindCapability()
    {
        try
        {
            return (ThreadIdentity.Parse(Environment.ProcessId, File.ReadLines("/proc/self/status")).EffectiveCapabilities & (1UL << CapNetBindService)) != 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
