using System.Net;

namespace MailFlow.Lab.Scenarios;

/// <summary>
/// RC12: the server in front of SERVER1 accepts STARTTLS and then resets the connection on the TLS 1.2
/// ClientHello, as an on-premises server with TLS 1.2 disabled does. SERVER1's own log shows a session
/// that said 220 to STARTTLS and nothing after; the sender's SmtpSend log shows the failed negotiation.
/// </summary>
public sealed class TlsVersionScenario : LabScenario
{
    public override string Name => "tls-version";

    public override string Title => "STARTTLS is accepted and the TLS 1.2 handshake is reset (TLS 1.2 disabled on the receiving side): SocketError";

    public override string RootCause => "RC12";

    public override bool ReceiverSeesFailure => false;

    public override IReadOnlyList<string> Break(LabWorld world)
    {
        LabWorld.Name(world.Server1, world.Server1.Administration.CertificateStore.Get(world.HybridThumbprint).Certificate);
        var device = world.Own(new SmtpInspectionProxy(IPAddress.Loopback, new IPEndPoint(IPAddress.Parse(world.Server1.Address), world.Server1.Port)) { Behaviour = SmtpDeviceBehaviour.AbortHandshake });
        LabWorld.Configure(world.Tenant, c => c.SendConnectors[0].SmartHosts = [$"{LabWorld.HybridName}:{device.Endpoint.Port}"]);
        return
        [
            $"{LabWorld.HybridName} at {device.Endpoint} answers STARTTLS with 220 and resets the connection on the ClientHello, as a server with TLS 1.2 disabled in SCHANNEL does",
            $"SERVER1's Default Frontend names its {LabWorld.HybridName} certificate",
        ];
    }

    public override Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken)
    {
        world.Owned.OfType<SmtpInspectionProxy>().Single().Behaviour = SmtpDeviceBehaviour.PassThrough;
        return Task.FromResult<IReadOnlyList<string>>(["# on the receiving server: enable TLS 1.2 for SCHANNEL and .NET (root-causes.md F-RC12), then reboot"]);
    }

    /// <summary>The fix is the server's operating system, outside MailFlow's configuration: nothing to restart here.</summary>
    public override IReadOnlyList<LabSite> Fixed(LabWorld world) => [];
}
