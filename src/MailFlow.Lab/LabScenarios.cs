using MailFlow.Lab.Scenarios;

namespace MailFlow.Lab;

/// <summary>Every scenario of <c>mailflow lab</c>, the article's first.</summary>
public static class LabScenarios
{
    public static IReadOnlyList<LabScenario> All { get; } =
    [
        new HybridScenario(),
        new PartialScenario(),
        new StaleNameScenario(),
        new ExpiredScenario(),
        new MissingIntermediateScenario(),
        new UntrustedRootScenario(),
        new NoStartTlsScenario(),
        new SendConnectorNoKeyScenario(),
        new SmtpInspectionScenario(),
        new TlsVersionScenario(),
    ];
}
