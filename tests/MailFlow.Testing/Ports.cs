using System.Net;
using MailFlow.Core.Net;

namespace MailFlow.Testing;

public static class Ports
{
    /// <summary>A loopback TCP port that was free a moment ago, outside the ephemeral range (<see cref="ListeningPorts.Free"/>).</summary>
    public static int Free() => ListeningPorts.Free(IPAddress.Loopback);
}
