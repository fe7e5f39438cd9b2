using MailFlow.Management.Connectors;

namespace MailFlow.Lab.Scenarios;

/// <summary>RC23: the receive connector's AuthMechanism lacks Tls, so no STARTTLS is offered to a sender that requires TLS.</summary>
public sealed class NoStartTlsScenario : LabScenario
{
    public override string Name => "no-starttls";

    public override string Title => "the receive connector offers no STARTTLS (AuthMechanism without Tls) to a sender with RequireTLS";

    public override string RootCause => "RC23";

    public override IReadOnlyList<string> Break(LabWorld world)
    {
        LabWorld.Name(world.Server1, world.Server1.Administration.CertificateStore.Get(world.HybridThumbprint).Certificate);
        LabWorld.Configure(world.Server1, c => c.ReceiveConnectors[0].AuthMechanism = Configuration.Model.AuthMechanisms.None);
        return [$"{world.Server1.FrontendIdentity} has AuthMechanism None (no Tls) although it names the right certificate; the tenant requires TLS"];
    }

    public override Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken)
    {
        const string mechanisms = "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer";
        new ReceiveConnectorCommands(world.Server1.Administration).Set(world.Server1.FrontendIdentity, new Dictionary<string, string?> { ["AuthMechanism"] = mechanisms });
        return Task.FromResult<IReadOnlyList<string>>([$"mailflow connector receive set \"{world.Server1.FrontendIdentity}\" --AuthMechanism \"{mechanisms}\" --data {world.Server1.Root}"]);
    }
}
