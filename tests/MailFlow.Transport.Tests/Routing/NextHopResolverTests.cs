using System.Text;
using MailFlow.Certificates.Trust;
using MailFlow.Configuration.Model;
using MailFlow.Transport.Delivery;
using MailFlow.Transport.Routing;
using MailFlow.Testing;

namespace MailFlow.Transport.Tests.Routing;

/// <summary>DNS routing through DnsClient against a DNS server on loopback: MX order, implicit MX, null MX, NXDOMAIN.</summary>
public sealed class NextHopResolverTests : IAsyncDisposable
{
    private readonly LoopbackDnsServer dns = new();
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    public NextHopResolverTests()
    {
        dns.Mx("example.test", 20, "backup.example.test").Mx("example.test", 10, "primary.example.test")
            .Address("primary.example.test", "127.0.0.2").Address("backup.example.test", "127.0.0.1").Address("backup.example.test", "::1")
            .Exists("implicit.test").Address("implicit.test", "127.0.0.3")
            .Mx("nullmx.test", 0, ".")
            .Mx("dangling.test", 10, "nowhere.dangling.test").Exists("nowhere.dangling.test");
    }

    public async ValueTask DisposeAsync()
    {
        await dns.DisposeAsync();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task MX_hosts_are_tried_in_preference_order_with_every_address_of_each()
    {
        var hop = await Resolver().ResolveAsync(Connector(), "example.test", CancellationToken.None);

        Assert.Null(hop.Failure);
        Assert.Equal(["primary.example.test 127.0.0.2:25", "backup.example.test 127.0.0.1:25", "backup.example.test ::1:25"],
            hop.Targets.Select(t => $"{t.Host} {t.Address}:{t.Port}"));
        Assert.Contains("example.test MX", dns.Questions);
    }

    [Fact]
    public async Task A_domain_without_MX_is_its_own_mail_exchanger()
    {
        var hop = await Resolver().ResolveAsync(Connector(), "implicit.test", CancellationToken.None);

        Assert.Equal("implicit.test 127.0.0.3", Assert.Single(hop.Targets, t => t.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) is var t ? $"{t.Host} {t.Address}" : null);
    }

    [Fact]
    public async Task A_null_MX_fails_the_recipients_at_once()
    {
        var hop = await Resolver().ResolveAsync(Connector(), "nullmx.test", CancellationToken.None);

        Assert.True(hop.Permanent);
        Assert.Empty(hop.Targets);
        Assert.StartsWith("556 5.1.10 ", hop.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domain_that_does_not_exist_fails_the_recipients_at_once()
    {
        var hop = await Resolver().ResolveAsync(Connector(), "no-such-domain.test", CancellationToken.None);

        Assert.True(hop.Permanent);
        Assert.Equal("550 5.4.310 DNS domain no-such-domain.test does not exist", hop.Failure);
    }

    [Fact]
    public async Task An_MX_whose_host_has_no_address_defers_with_Exchange_4_4_312()
    {
        var hop = await Resolver().ResolveAsync(Connector(), "dangling.test", CancellationToken.None);

        Assert.False(hop.Permanent);
        Assert.Equal(NextHopResolver.DnsQueryFailed, hop.Failure);
    }

    [Fact]
    public async Task A_DNS_server_that_does_not_answer_defers()
    {
        var silent = new MailFlowConfiguration();
        silent.Transport.ExternalDNSServers = ["127.0.0.1:9"]; // discard port: nothing answers
        var hop = await new NextHopResolver(silent, TimeSpan.FromMilliseconds(200)).ResolveAsync(Connector(), "example.test", CancellationToken.None);

        Assert.False(hop.Permanent);
        Assert.Equal(NextHopResolver.DnsQueryFailed, hop.Failure);
    }

    [Fact]
    public async Task Delivery_falls_back_to_the_next_MX_when_the_preferred_one_refuses_the_connection()
    {
        using var receiver = AiosmtpdReceiver.Start(Path.Combine(root, "received"));
        var connector = Connector();
        connector.Port = receiver.Port; // primary (127.0.0.2) has nothing on this port; backup (127.0.0.1) is aiosmtpd

        var attempt = await new OutboundDelivery(Configuration(), TrustAnchors.Empty)
            .SendAsync(connector, "a@tenant.test", ["user@example.test"], Encoding.ASCII.GetBytes("Subject: via MX\r\n\r\nbody\r\n"), CancellationToken.None);

        Assert.True(attempt.Recipients["user@example.test"].Delivered, attempt.LastErrorDetail);
        Assert.Equal("backup.example.test", attempt.TargetHost);
        Assert.Single(receiver.Messages());
    }

    private NextHopResolver Resolver() => new(Configuration());

    private MailFlowConfiguration Configuration()
    {
        var configuration = new MailFlowConfiguration();
        configuration.Transport.ExternalDNSServers = [dns.EndPoint.ToString()];
        return configuration;
    }

    private static SendConnector Connector() => new() { Name = "Internet", AddressSpaces = ["*"], UseExternalDNSServersEnabled = true };
}
