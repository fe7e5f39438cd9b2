namespace MailFlow.Cli.Commands;

/// <summary>One row of <c>mailflow lab list --json</c>.</summary>
internal sealed record LabScenarioSummary(string Name, string Title, string RootCause);
