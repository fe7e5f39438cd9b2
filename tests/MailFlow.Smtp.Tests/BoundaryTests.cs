using System.Text;
using MailFlow.Smtp.Tests.Harness;
using Microsoft.Extensions.Time.Testing;

namespace MailFlow.Smtp.Tests;

/// <summary>security-and-reliability.md §4.5: the exact edges of the line limits, hop count, path lengths, slowloris.</summary>
public sealed class BoundaryTests
{
    [Fact]
    public async Task LT01_LT02_a_command_of_exactly_512_octets_is_parsed_and_513_is_refused_without_losing_step()
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();

        Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP " + new string('x', 510 - 5)));
        Assert.Equal("500 5.5.2 Line too long", await client.CommandAsync("NOOP " + new string('x', 511 - 5)));
        Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task LT04_an_AUTH_line_of_12288_octets_is_parsed_not_refused_as_too_long()
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect(SmtpTestServer.ClientFrontend));
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.test");
        await client.CommandAsync("STARTTLS");
        await client.StartTlsAsync();
        await client.CommandAsync("EHLO c.test");
        var response = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0" + new string('p', 9190)));

        Assert.InRange("AUTH PLAIN ".Length + response.Length, 12_000, 12_286); // RFC 4954: up to 12288 with CRLF
        Assert.Equal("535 5.7.3 Authentication unsuccessful", await client.CommandAsync("AUTH PLAIN " + response));
    }

    [Fact]
    public async Task LT05_a_text_line_of_1000_octets_is_accepted_and_1001_is_not()
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO c.test");

        foreach (var (length, expected) in new[] { (998, "250 2.6.0"), (999, "500 5.5.2 Line too long") })
        {
            await client.CommandAsync("MAIL FROM:<a@contoso.test>");
            await client.CommandAsync("RCPT TO:<user@domain.com>");
            await client.CommandAsync("DATA");
            Assert.StartsWith(expected, await client.CommandAsync(new string('t', length) + "\r\n."), StringComparison.Ordinal);
        }

        Assert.Single(server.Spooled());
    }

    [Fact]
    public async Task LT09_more_Received_headers_than_MaxHopCount_is_a_loop_and_not_queued()
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO c.test");
        var sixty = string.Concat(Enumerable.Range(0, 60).Select(i => $"Received: from hop{i}.test by hop{i + 1}.test; Sun, 29 Nov 2026 10:00:00 +0000\r\n"));

        foreach (var (headers, expected) in new[] { (sixty, "250 2.6.0"), (sixty + "Received: from one.more by loop.test; Sun, 29 Nov 2026 10:00:00 +0000\r\n", "554 5.4.6 Hop count exceeded - possible mail loop") })
        {
            await client.CommandAsync("MAIL FROM:<a@contoso.test>");
            await client.CommandAsync("RCPT TO:<user@domain.com>");
            await client.CommandAsync("DATA");
            Assert.StartsWith(expected, await client.CommandAsync(headers + "Subject: loop\r\n\r\nbody\r\n."), StringComparison.Ordinal);
        }

        Assert.Single(server.Spooled());
    }

    [Theory]
    [InlineData(65, 20, "250 2.1.5 Recipient OK")] // a 65-octet local part is accepted: local delivery decides (documented)
    [InlineData(64, 300, "501 5.1.3 Invalid address")] // a path over 256 octets is refused
    public async Task LT10_long_local_parts_and_paths(int localLength, int domainLabelLength, string expected)
    {
        await using var server = SmtpTestServer.Create(c => c.AcceptedDomains.Add(new Configuration.Model.AcceptedDomain { Name = "long", DomainName = "*.domain.com" }));
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO c.test");
        await client.CommandAsync("MAIL FROM:<a@contoso.test>");
        var labels = string.Join('.', Enumerable.Range(0, Math.Max(1, domainLabelLength / 50)).Select(_ => new string('d', 49)));

        Assert.Equal(expected, await client.CommandAsync($"RCPT TO:<{new string('l', localLength)}@{labels}.domain.com>"));
    }

    [Fact]
    public async Task LT12_a_command_dripped_one_byte_at_a_time_is_cut_at_the_inactivity_deadline_of_its_first_byte()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = SmtpTestServer.Create(time: clock);
        await using var client = new SmtpTestClient(server.Connect(), SplitMode.ByteByByte);
        await client.ReadReplyAsync();

        await Task.Delay(100); // let the server arm its inactivity timer after the banner
        foreach (var b in "NOOP"u8.ToArray())
        {
            await client.SendAsync([b]);
            await Task.Delay(50);
            clock.Advance(TimeSpan.FromMinutes(1)); // each byte arrives well inside 5 minutes of the previous one
        }

        var (reply, elapsed) = await FakeClock.AdvanceUntilAsync(clock, client.ReadLineAsync(), TimeSpan.FromSeconds(30), 10);

        Assert.Equal("451 4.7.0 Timeout waiting for client input", reply);
        Assert.True(elapsed <= TimeSpan.FromMinutes(1.5), $"cut {elapsed} after the fourth byte, not 5 minutes after the last one");
    }
}
