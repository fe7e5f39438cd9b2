using System.Net;

namespace MailFlow.Lab.Scenarios;

/// <summary>
/// RC11: a firewall's SMTP inspection in front of SERVER1 masks the banner and STARTTLS. SERVER1 is
/// configured correctly and its own log shows STARTTLS offered; only the sender's SmtpSend log shows
/// what arrived after the device.
/// </summary>
public sealed class SmtpInspectionScenario : LabScenario
{
    public override string Name => "smtp-inspection";

    public override string Title => "a firewall's SMTP inspection masks the banner and STARTTLS in front of a correctly configured SERVER1";

    public override string RootCause => "RC11";

    public override bool ReceiverSeesFailure => false;

    public override IReadOnlyList<string> Break(LabWorld world)
    {
        LabWorld.Name(world.Server1, world.Server1.Administration.CertificateStore.Get(world.HybridThumbprint).Certificate);
        var firewall = world.Own(new SmtpInspectionProxy(IPAddress.Loopback, new IPEndPoint(IPAddress.Parse(world.Server1.Address), world.Server1.Port)));
        LabWorld.Configure(world.Tenant, c => c.SendConnectors[0].SmartHosts = [$"{LabWorld.HybridName}:{firewall.Endpoint.Port}"]);
        return
        [
            $"{LabWorld.HybridName} is a firewall at {firewall.Endpoint} inspecting SMTP (mask-banner, STARTTLS overwritten with XXXXXXXA) in front of SERVER1 ({world.Server1.Address}:{world.Server1.Port})",
            $"SERVER1's Default Frontend names its {LabWorld.HybridName} certificate: nothing on the server is wrong",
        ];
    }

    public override Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken)
    {
        world.Owned.OfType<SmtpInspectionProxy>().Single().Behaviour = SmtpDeviceBehaviour.PassThrough;
        return Task.FromResult<IReadOnlyList<string>>(["# on the firewall: policy-map global_policy / class inspection_default / no inspect esmtp"]);
    }

    /// <summary>The fix is on the firewall: no server needs a restart.</summary>
    public override IReadOnlyList<LabSite> Fixed(LabWorld world) => [];
}
