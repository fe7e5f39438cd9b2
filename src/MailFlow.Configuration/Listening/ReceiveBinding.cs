using System.Net;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Validation;

namespace MailFlow.Configuration.Listening;

/// <summary>One configured binding and the socket address it actually gets on this machine.</summary>
public sealed record ReceiveBinding(string ConnectorIdentity, string Configured, IPEndPoint Effective, bool Offset)
{
    /// <summary>
    /// Maps every binding of every enabled connector to the endpoint it listens on. Ports below
    /// <paramref name="lowestBindablePort"/> are moved up by <see cref="ListenerSettings.UnprivilegedPortOffset"/>
    /// (25 → 10025) so an unprivileged MailFlow still runs Exchange's layout; the CLI prints both.
    /// </summary>
    public static IReadOnlyList<ReceiveBinding> Plan(MailFlowConfiguration configuration, int lowestBindablePort)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var offset = configuration.Listening.UnprivilegedPortOffset;
        var result = new List<ReceiveBinding>();
        foreach (var connector in configuration.ReceiveConnectors.Where(c => c.Enabled))
        {
            foreach (var binding in connector.Bindings)
            {
                if (!ConfigurationValidator.TryBinding(binding, out var endpoint))
                {
                    continue; // refused by validation before we get here
                }

                var moved = endpoint!.Port < lowestBindablePort && offset > 0 && endpoint.Port + offset <= 65_535;
                var effective = moved ? new IPEndPoint(endpoint.Address, endpoint.Port + offset) : endpoint;
                result.Add(new ReceiveBinding(configuration.IdentityOf(connector), binding, effective, moved));
            }
        }

        return result;
    }
}
