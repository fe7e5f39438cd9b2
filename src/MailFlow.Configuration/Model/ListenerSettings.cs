namespace MailFlow.Configuration.Model;

/// <summary>How bindings become sockets on this machine.</summary>
public sealed class ListenerSettings
{
    /// <summary>
    /// Added to a binding's port below 1024 when the process may not bind privileged ports
    /// (not root, no CAP_NET_BIND_SERVICE, port below net.ipv4.ip_unprivileged_port_start):
    /// 25 → 10025, 587 → 10587. 0 disables the offset, and such a binding then fails to start.
    /// </summary>
    public int UnprivilegedPortOffset { get; set; } = 10000;
}
