using System.Net;

namespace MailFlow.Lab.Scenarios;

/// <summary>RC02: two servers behind one name and a load balancer; the fix was applied on SERVER1 only.</summary>
public sealed class PartialScenario : LabScenario
{
    public override string Name => "partial";

    public override string Title => "two on-premises servers behind one name, only SERVER1 fixed: intermittent SubjectMismatch";

    public override string RootCause => "RC02";

    public override int DeliveredBeforeFailure => 1;

    public override IReadOnlyList<string> Break(LabWorld world)
    {
        LabWorld.Name(world.Server1, world.Server1.Administration.CertificateStore.Get(world.HybridThumbprint).Certificate);
        var server2 = world.AddServer("SERVER2", "127.0.0.2");
        using (var hybrid = LabWorld.IssueHybrid(world.PublicCa))
        {
            LabWorld.Install(server2, hybrid);
        }

        var balancer = world.Own(new RoundRobinBalancer(IPAddress.Loopback, [new IPEndPoint(IPAddress.Parse(world.Server1.Address), world.Server1.Port), new IPEndPoint(IPAddress.Parse(server2.Address), server2.Port)]));
        // The balancer picks a server per connection. One message per connection lets each message show the
        // server it met; in production many connections are open at once and the share that fails is SERVER2's.
        LabWorld.Configure(world.Tenant, c =>
        {
            c.SendConnectors[0].SmartHosts = [$"{LabWorld.HybridName}:{balancer.Endpoint.Port}"];
            c.SendConnectors[0].SmtpMaxMessagesPerConnection = 1;
        });
        return
        [
            $"{LabWorld.HybridName} is a load balancer at {balancer.Endpoint} sending connections to SERVER1 ({world.Server1.Address}:{world.Server1.Port}) and SERVER2 ({server2.Address}:{server2.Port}) in turn",
            $"SERVER1's Default Frontend names its {LabWorld.HybridName} certificate; SERVER2's has TlsCertificateName empty (the fix was never run there)",
        ];
    }

    public override Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken)
    {
        var server2 = world.OnPremises[1];
        var thumbprint = server2.Administration.CertificateStore.List().Certificates.Single(c => c.Certificate.Subject == "CN=" + LabWorld.HybridName).Thumbprint;
        return Task.FromResult<IReadOnlyList<string>>([SetTlsCertificateName(server2, thumbprint)]);
    }

    public override IReadOnlyList<LabSite> Fixed(LabWorld world) => [world.OnPremises[1]];
}
