using MailFlow.Diagnostics.Diagnose;

namespace MailFlow.Diagnostics.Context;

/// <summary>One server and connector: the lane of the timeline, and the unit a certificate belongs to.</summary>
public readonly record struct Lane(string? Server, string Connector)
{
    public override string ToString() => Server is null ? Connector : $"{Connector} on {Server}";
}

/// <summary>An uninterrupted run of sessions of one lane that presented the same certificate.</summary>
public sealed record CertificatePeriod(Lane Lane, string Thumbprint, string? Subject, DateTime From, DateTime To, ServerObservation First, int Sessions);

/// <summary>
/// Which certificate each server and connector presented, and when that changed. The same lane
/// presenting A and then B is a change at a time (a renewal, or the fix being applied); two lanes on
/// different servers presenting different certificates during the same period is RC02's picture
/// (one server fixed, the other not). Telling the two apart needs the times, not just the set of
/// thumbprints: a lab kept after its fix shows both certificates, one after the other.
/// </summary>
public sealed class CertificateHistory
{
    private CertificateHistory(IReadOnlyList<CertificatePeriod> periods, IReadOnlyList<ObservedChange> changes)
    {
        Periods = periods;
        Changes = changes;
    }

    public IReadOnlyList<CertificatePeriod> Periods { get; }

    /// <summary>Each point where a lane's certificate changed, at the first session showing the new one.</summary>
    public IReadOnlyList<ObservedChange> Changes { get; }

    public static CertificateHistory Of(IEnumerable<ServerObservation> observations)
    {
        var periods = new List<CertificatePeriod>();
        var changes = new List<ObservedChange>();
        foreach (var lane in observations.Where(o => o.ServerCertificate?.Thumbprint is not null && o.At != default)
                     .GroupBy(o => new Lane(o.Server is null ? null : Address(o.Server), o.Connector)))
        {
            CertificatePeriod? current = null;
            foreach (var observation in lane.OrderBy(o => o.At))
            {
                var certificate = observation.ServerCertificate!;
                if (current is not null && string.Equals(current.Thumbprint, certificate.Thumbprint, StringComparison.OrdinalIgnoreCase))
                {
                    current = current with { To = observation.At, Sessions = current.Sessions + 1 };
                    periods[^1] = current;
                    continue;
                }

                if (current is not null)
                {
                    changes.Add(new ObservedChange(observation.At, lane.Key.Server, lane.Key.Connector,
                        $"certificate changed from {current.Subject} ({current.Thumbprint}) to {certificate.Subject} ({certificate.Thumbprint}); last old session {current.To:u}, first new {observation.At:u} ({certificate.Source})"));
                }

                current = new CertificatePeriod(lane.Key, certificate.Thumbprint!, certificate.Subject, observation.At, observation.At, observation, 1);
                periods.Add(current);
            }
        }

        return new CertificateHistory(periods, changes.OrderBy(c => c.At).ToList());
    }

    /// <summary>
    /// Pairs of periods on different servers, with different certificates, that overlap in time (with
    /// <paramref name="slack"/> either side, since logs sample a server only when mail arrives).
    /// </summary>
    public IEnumerable<(CertificatePeriod A, CertificatePeriod B)> Concurrent(TimeSpan slack)
    {
        for (var i = 0; i < Periods.Count; i++)
        {
            for (var j = i + 1; j < Periods.Count; j++)
            {
                var (a, b) = (Periods[i], Periods[j]);
                if (a.Lane.Server != b.Lane.Server && a.Lane.Server is not null && b.Lane.Server is not null
                    && !string.Equals(a.Thumbprint, b.Thumbprint, StringComparison.OrdinalIgnoreCase)
                    && a.From - slack <= b.To && b.From - slack <= a.To)
                {
                    yield return (a, b);
                }
            }
        }
    }

    /// <summary>
    /// Which side of a change at <paramref name="change"/> (UTC) a failure logged with LRT <paramref name="lrt"/> fell.
    /// LRT carries no zone (Exchange Online writes the tenant's local time), so the answer is firm only when
    /// every UTC offset from −12 h to +14 h puts it on the same side; otherwise it says what it depends on.
    /// </summary>
    public static string SideOf(DateTime lrt, DateTime change)
    {
        var earliest = lrt - TimeSpan.FromHours(14);
        var latest = lrt + TimeSpan.FromHours(12);
        return latest < change ? $"the failure (LRT {lrt.ToString("s", System.Globalization.CultureInfo.InvariantCulture)}) was before it, whatever the sender's time zone"
            : earliest > change ? $"the failure (LRT {lrt.ToString("s", System.Globalization.CultureInfo.InvariantCulture)}) was after it, whatever the sender's time zone"
            : $"the failure's LRT {lrt.ToString("s", System.Globalization.CultureInfo.InvariantCulture)} read as UTC is {(lrt < change ? "before" : "after")} it; LRT is in the sender's time zone, so check its offset";
    }

    /// <summary>The address part of <c>ip:port</c> (or <c>[v6]:port</c>); the port differs per listener, not per server.</summary>
    public static string Address(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && endpoint.IndexOf(':') == colon ? endpoint[..colon]
            : endpoint.StartsWith('[') && endpoint.IndexOf(']') is var close and > 0 ? endpoint[1..close]
            : endpoint;
    }
}
