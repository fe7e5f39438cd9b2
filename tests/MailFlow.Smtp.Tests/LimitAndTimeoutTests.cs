using System.Net;
using System.Net.Sockets;
using System.Text;
using MailFlow.Configuration.Model;
using MailFlow.Smtp.Server;
using MailFlow.Smtp.Tests.Harness;
using MailFlow.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MailFlow.Smtp.Tests;

/// <summary>Limits and timeouts as features (security-and-reliability.md §4), with a fake clock where time matters.</summary>
public sealed class LimitAndTimeoutTests
{
    [Fact]
    public async Task An_idle_client_is_told_451_when_ConnectionInactivityTimeout_passes_and_disconnected()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = SmtpTestServer.Create(time: clock);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO c.test");

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP"));

        var (reply, elapsed) = await FakeClock.AdvanceUntilAsync(clock, client.ReadLineAsync(), TimeSpan.FromSeconds(30), 40);

        Assert.Equal("451 4.7.0 Timeout waiting for client input", reply);
        Assert.InRange(elapsed, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5.5));
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_busy_client_is_cut_off_at_ConnectionTimeout()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = SmtpTestServer.Create(time: clock);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        for (var minute = 0; minute < 9; minute++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP"));
        }

        var (reply, elapsed) = await FakeClock.AdvanceUntilAsync(clock, client.ReadLineAsync(), TimeSpan.FromSeconds(15), 20);

        Assert.Equal("421 4.4.1 Connection timed out", reply);
        Assert.InRange(elapsed, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1.25));
    }

    [Fact]
    public async Task A_failed_AUTH_is_answered_only_after_the_tarpit()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[1].AuthTarpitInterval = TimeSpan.FromSeconds(5), clock);
        await using var client = new SmtpTestClient(server.Connect(SmtpTestServer.ClientFrontend));
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.test");
        await client.CommandAsync("STARTTLS");
        await client.StartTlsAsync();
        await client.CommandAsync("EHLO c.test");

        await client.SendLineAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0wrong")));
        var (reply, elapsed) = await FakeClock.AdvanceUntilAsync(clock, client.ReadLineAsync(), TimeSpan.FromSeconds(1), 20);

        Assert.Equal("535 5.7.3 Authentication unsuccessful", reply);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task A_message_over_MaxMessageSize_gets_552_and_is_neither_kept_nor_held_in_memory()
    {
        await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[0].MaxMessageSize = 65_536);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO c.test");
        await client.CommandAsync("MAIL FROM:<a@contoso.test>");
        await client.CommandAsync("RCPT TO:<user@domain.com>");
        await client.CommandAsync("DATA");
        var line = Encoding.ASCII.GetBytes(new string('z', 998) + "\r\n");

        for (var i = 0; i < 4000; i++)
        {
            await client.SendAsync(line); // 4 MB, 60 times the limit
        }

        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size", await client.CommandAsync("."));
        Assert.Empty(server.Spooled());
        Assert.Equal(0, server.StagingFiles);
        Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task An_endless_line_is_skipped_without_growing_the_buffer_and_answered_when_it_ends()
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        var chunk = Encoding.ASCII.GetBytes(new string('A', 64 * 1024));
        for (var i = 0; i < 64; i++)
        {
            await client.SendAsync(chunk); // 4 MB without a line end
        }

        Assert.Equal("500 5.5.2 Line too long", await client.CommandAsync(string.Empty));
        Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Without_an_eligible_certificate_STARTTLS_is_not_offered_and_not_accepted()
    {
        await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[0].TlsCertificateName = "<I>CN=Gone CA<S>CN=gone.domain.com");
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();

        var ehlo = await client.CommandAsync("EHLO c.test");

        Assert.DoesNotContain("STARTTLS", ehlo, StringComparison.Ordinal);
        Assert.Equal("500 5.3.3 Unrecognized command 'STARTTLS'", await client.CommandAsync("STARTTLS"));
        Assert.Equal(12014, server.Connector(SmtpTestServer.Frontend).Decision.Events.Single().EventId);
    }

    [Fact]
    public async Task RequireTLS_connectors_refuse_mail_commands_before_STARTTLS()
    {
        await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[0].RequireTLS = true);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.test");

        Assert.Equal("451 5.7.3 Must issue a STARTTLS command first", await client.CommandAsync("MAIL FROM:<a@contoso.test>"));
    }

    [Fact]
    public async Task MaxInboundConnectionPerSource_refuses_the_extra_connection_with_421_on_a_real_socket()
    {
        await using var server = SmtpTestServer.Create(c =>
        {
            c.ReceiveConnectors.RemoveAll(r => r.Name != "Default Frontend SERVER1");
            c.ReceiveConnectors[0].Bindings = [$"127.0.0.1:{Ports.Free()}"];
            c.ReceiveConnectors[0].MaxInboundConnectionPerSource = 2;
        });
        await using var listening = SmtpReceiveServer.Start(server.Configuration, server.Connectors, server.Context, lowestBindablePort: 0);
        var endpoint = listening.Listeners.Single().Endpoint;

        using var first = await ConnectAsync(endpoint);
        using var second = await ConnectAsync(endpoint);
        using var third = await ConnectAsync(endpoint);

        Assert.StartsWith("220 SERVER1.domain.com", await ReadLineAsync(first), StringComparison.Ordinal);
        Assert.StartsWith("220 SERVER1.domain.com", await ReadLineAsync(second), StringComparison.Ordinal);
        Assert.Equal("421 4.3.2 The maximum number of concurrent connections has exceeded a limit, closing transmission channel", await ReadLineAsync(third));
    }

    [Fact]
    public async Task The_most_specific_RemoteIPRanges_match_picks_the_connector()
    {
        await using var server = SmtpTestServer.Create(c =>
        {
            c.ReceiveConnectors.Add(new ReceiveConnector { Name = "Partner subnet", Bindings = ["0.0.0.0:25"], RemoteIPRanges = ["192.0.2.0/24"], AuthMechanism = AuthMechanisms.Tls });
            c.ReceiveConnectors.Add(new ReceiveConnector { Name = "One host", Bindings = ["0.0.0.0:25"], RemoteIPRanges = ["192.0.2.10"], AuthMechanism = AuthMechanisms.Tls });
        });
        var candidates = server.Connectors.Where(c => c.Connector.Bindings.Contains("0.0.0.0:25")).ToList();

        Assert.Equal(@"SERVER1\One host", SmtpReceiveServer.ChooseConnector(candidates, IPAddress.Parse("192.0.2.10"))!.Identity);
        Assert.Equal(@"SERVER1\Partner subnet", SmtpReceiveServer.ChooseConnector(candidates, IPAddress.Parse("192.0.2.11"))!.Identity);
        Assert.Equal(SmtpTestServer.Frontend, SmtpReceiveServer.ChooseConnector(candidates, IPAddress.Parse("203.0.113.5"))!.Identity);
        Assert.Equal(SmtpTestServer.Frontend, SmtpReceiveServer.ChooseConnector(candidates, IPAddress.Parse("::ffff:203.0.113.5"))!.Identity);
    }


    private static async Task<TcpClient> ConnectAsync(IPEndPoint endpoint)
    {
        var client = new TcpClient();
        await client.ConnectAsync(endpoint);
        return client;
    }

    private static async Task<string> ReadLineAsync(TcpClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[1024];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n", StringComparison.Ordinal))
        {
            var read = await client.GetStream().ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return text.ToString().Split("\r\n")[0];
    }
}
