using MailFlow.Management.Trust;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow trust list --json</c>: whether the system roots count, and the extra roots.</summary>
internal sealed record TrustSettingsView(bool UseSystemRoots, IReadOnlyList<TrustedRoot> AdditionalRoots);
