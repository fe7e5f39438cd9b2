using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using MailFlow.Configuration.Model;

namespace MailFlow.Transport.Routing;

/// <summary>One address to try for a destination, in the order it should be tried.</summary>
public sealed record NextHopTarget(string Host, IPAddress Address, int Port);

/// <summary>
/// Where a send connector sends mail for one domain: the addresses to try in order, or why there are
/// none. A permanent failure (the domain does not exist, or publishes a null MX) fails the recipients;
/// anything else defers them.
/// </summary>
public sealed record NextHopResolution(IReadOnlyList<NextHopTarget> Targets, string? Failure, bool Permanent)
{
    public static NextHopResolution Transient(string failure) => new([], failure, false);

    public static NextHopResolution Fatal(string failure) => new([], failure, true);
}

/// <summary>
/// Turns a send connector and a recipient domain into next-hop addresses. Smart hosts are tried in
/// the order listed. DNS routing follows RFC 5321 §5.1: MX records by preference (equal preferences
/// shuffled), the domain's own A/AAAA when it has no MX (the implicit MX), and RFC 7505's null MX
/// ("MX 0 .") refuses the domain outright. The configuration's hosts override wins over DNS for any name,
/// so a lab can point hybrid.domain.com or a whole domain at 127.0.0.1 without a DNS server.
/// </summary>
public sealed class NextHopResolver
{
    /// <summary>Exchange's wording for a destination that cannot be looked up.</summary>
    public const string DnsQueryFailed = "450 4.4.312 DNS query failed";

    private readonly MailFlowConfiguration configuration;
    private readonly Lazy<ILookupClient> systemDns;
    private readonly Lazy<ILookupClient?> externalDns;

    /// <param name="configuration">Hosts override and ExternalDNSServers.</param>
    /// <param name="queryTimeout">Per DNS query, tried three times (default 5 s).</param>
    public NextHopResolver(MailFlowConfiguration configuration, TimeSpan? queryTimeout = null)
    {
        this.configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        var timeout = queryTimeout ?? TimeSpan.FromSeconds(5);
        systemDns = new(() => new LookupClient(new LookupClientOptions { UseCache = true, ThrowDnsErrors = false, Timeout = timeout, Retries = 2 }));
        externalDns = new(() => configuration.Transport.ExternalDNSServers.Count == 0
            ? null
            : new LookupClient(new LookupClientOptions(configuration.Transport.ExternalDNSServers.Select(ParseServer).ToArray())
            {
                UseCache = true,
                ThrowDnsErrors = false,
                Timeout = timeout,
                Retries = 2,
            }));
    }

    public async Task<NextHopResolution> ResolveAsync(SendConnector connector, string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(domain);
        var dns = connector.UseExternalDNSServersEnabled ? externalDns.Value ?? systemDns.Value : systemDns.Value;
        if (!connector.DNSRoutingEnabled)
        {
            var targets = new List<NextHopTarget>();
            foreach (var text in connector.SmartHosts)
            {
                if (SmartHost.TryParse(text, out var smartHost, out _))
                {
                    var addresses = await AddressesAsync(dns, smartHost!.Host, connector.UseExternalDNSServersEnabled, cancellationToken);
                    targets.AddRange(addresses.Select(a => new NextHopTarget(smartHost.Host, a, smartHost.Port ?? connector.Port)));
                }
            }

            return targets.Count > 0 ? new NextHopResolution(targets, null, false) : NextHopResolution.Transient(DnsQueryFailed);
        }

        if (configuration.HostsOverride.TryGetValue(domain, out var overridden) && IPAddress.TryParse(overridden, out var pinned))
        {
            return new NextHopResolution([new NextHopTarget(domain, pinned, connector.Port)], null, false);
        }

        IDnsQueryResponse response;
        try
        {
            response = await dns.QueryAsync(domain, QueryType.MX, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException)
        {
            return NextHopResolution.Transient(DnsQueryFailed);
        }

        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return NextHopResolution.Fatal($"550 5.4.310 DNS domain {domain} does not exist");
        }

        if (response.HasError)
        {
            return NextHopResolution.Transient(DnsQueryFailed);
        }

        var exchanges = response.Answers.MxRecords().ToList();
        if (exchanges.Count == 1 && exchanges[0].Exchange.Value is "." or "")
        {
            // RFC 7505 §4.2: a null MX means the domain accepts no mail; 556 is the recommended reply code.
            return NextHopResolution.Fatal($"556 5.1.10 {domain} publishes a null MX and accepts no mail");
        }

        var hosts = exchanges.Count == 0
            ? [domain] // RFC 5321 §5.1: no MX, so the domain itself is the (implicit) mail exchanger.
            : exchanges
                .Where(mx => mx.Exchange.Value is not ("." or ""))
                .GroupBy(mx => mx.Preference)
                .OrderBy(group => group.Key)
                .SelectMany(group => group.OrderBy(_ => Random.Shared.Next())) // RFC 5321 §5.1: spread load over equal preferences
                .Select(mx => mx.Exchange.Value.TrimEnd('.'))
                .ToList();
        var resolved = new List<NextHopTarget>();
        foreach (var host in hosts)
        {
            var addresses = await AddressesAsync(dns, host, useDnsClient: true, cancellationToken);
            resolved.AddRange(addresses.Select(a => new NextHopTarget(host, a, connector.Port)));
        }

        return resolved.Count > 0 ? new NextHopResolution(resolved, null, false) : NextHopResolution.Transient(DnsQueryFailed);
    }

    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(ILookupClient dns, string host, bool useDnsClient, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return [literal];
        }

        if (configuration.HostsOverride.TryGetValue(host, out var overridden) && IPAddress.TryParse(overridden, out var pinned))
        {
            return [pinned];
        }

        try
        {
            if (!useDnsClient)
            {
                // Smart hosts on the host's own resolver also honour /etc/hosts, as an admin expects.
                return await Dns.GetHostAddressesAsync(host, cancellationToken);
            }

            var v4 = await dns.QueryAsync(host, QueryType.A, QueryClass.IN, cancellationToken);
            var v6 = await dns.QueryAsync(host, QueryType.AAAA, QueryClass.IN, cancellationToken);
            return [.. v4.Answers.ARecords().Select(a => a.Address), .. v6.Answers.AaaaRecords().Select(a => a.Address)];
        }
        catch (Exception ex) when (ex is SocketException or DnsResponseException)
        {
            return [];
        }
    }

    private static NameServer ParseServer(string text)
    {
        var endpoint = IPEndPoint.Parse(text);
        return new NameServer(endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint);
    }
}
