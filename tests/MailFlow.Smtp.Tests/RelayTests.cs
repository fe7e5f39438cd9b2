using MailFlow.Configuration.Model;
using MailFlow.Smtp.Tests.Harness;
using Microsoft.Extensions.Time.Testing;

namespace MailFlow.Smtp.Tests;

/// <summary>security-and-reliability.md §3: the open-relay battery against an anonymous client on port 25.</summary>
public sealed class RelayTests
{
    [Theory]
    [InlineData("RL-01", "<u@victim.test>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")]
    [InlineData("RL-02", "<u%victim.test@domain.com>", "553 5.1.3 Recipient address rejected: '%' (percent-hack routing) is not accepted in an address of this server; send to the final address")] // never a route, and never a mailbox (decision 0021)
    [InlineData("RL-03", "<u!victim.test@domain.com>", "553 5.1.3 Recipient address rejected: '!' (a UUCP bang path) is not accepted in an address of this server; send to the final address")]
    [InlineData("RL-03", "<victim.test!u@domain.com>", "553 5.1.3 Recipient address rejected: '!' (a UUCP bang path) is not accepted in an address of this server; send to the final address")]
    [InlineData("RL-04", "<u@victim.test@domain.com>", "501 5.1.3 Invalid address")]
    [InlineData("RL-05", "<\"u@victim.test\"@domain.com>", "553 5.1.3 Recipient address rejected: '@' inside the local part is not accepted in an address of this server; send to the final address")]
    [InlineData("RL-06", "<@domain.com:u@victim.test>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")]
    [InlineData("RL-06", "<@relay.example:u@domain.com>", "553 5.1.3 Recipient address rejected: a source route is not accepted in an address of this server; send to the final address")]
    [InlineData("RL-07", "<u@victim.test.>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")]
    [InlineData("RL-07", "<u@VICTIM.TEST>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")]
    [InlineData("RL-07", "<u@victim.test%domain.com>", "501 5.1.3 Invalid address")]
    [InlineData("RL-07", "<u@domain.com.victim.test>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")]
    [InlineData("RL-08", "<u@[192.0.2.9]>", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")]
    [InlineData("ours", "<User@DOMAIN.com.>", "250 2.1.5 Recipient OK")]
    public async Task Anonymous_recipients(string id, string recipient, string expected)
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO c.test");
        await client.CommandAsync("MAIL FROM:<postmaster@domain.com>");

        Assert.True(expected == await client.CommandAsync("RCPT TO:" + recipient), id);
    }

    [Fact]
    public async Task RL13_RL14_recipients_up_to_the_limit_are_accepted_and_the_next_gets_452()
    {
        await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[0].MaxRecipientsPerMessage = 100);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO c.test");
        await client.CommandAsync("MAIL FROM:<a@contoso.test>");

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal("250 2.1.5 Recipient OK", await client.CommandAsync($"RCPT TO:<user{i}@domain.com>"));
        }

        Assert.Equal("452 4.5.3 Too many recipients", await client.CommandAsync("RCPT TO:<one-more@domain.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.6.0", await client.CommandAsync("Subject: many\r\n\r\nhi\r\n."), StringComparison.Ordinal);
        Assert.Equal(100, server.Spooled().Single().Envelope.Recipients.Count);
    }

    [Fact]
    public async Task A_connector_without_AnonymousUsers_refuses_anonymous_mail()
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect(SmtpTestServer.ClientFrontend));
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.test");

        Assert.Equal("530 5.7.1 Client was not authenticated", await client.CommandAsync("MAIL FROM:<a@domain.com>"));
    }

    private static void OnlyUserExists(MailFlowConfiguration c)
    {
        c.RecipientFilter.RecipientValidationEnabled = true;
        c.Mailboxes.Add(new Mailbox { Name = "User", PrimarySmtpAddress = "user@domain.com" });
    }

    [Fact]
    public async Task With_recipient_validation_unknown_local_recipients_are_refused_at_RCPT()
    {
        await using var server = SmtpTestServer.Create(OnlyUserExists);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO c.test");
        await client.CommandAsync("MAIL FROM:<a@contoso.test>");

        Assert.Equal("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", await client.CommandAsync("RCPT TO:<nobody@domain.com>"));
        Assert.Equal("250 2.1.5 Recipient OK", await client.CommandAsync("RCPT TO:<USER@domain.com>"));
        Assert.Equal("250 2.1.5 Recipient OK", await client.CommandAsync("RCPT TO:<postmaster@domain.com>")); // RFC 5321 §4.5.1
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.6.0", await client.CommandAsync("Subject: x\r\n\r\nhi\r\n."), StringComparison.Ordinal);
        Assert.Equal(["USER@domain.com", "postmaster@domain.com"], server.Spooled().Single().Envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task RL15_guessing_recipients_is_tarpitted_ever_longer_and_then_disconnected()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = SmtpTestServer.Create(c =>
        {
            OnlyUserExists(c);
            c.ReceiveConnectors[0].TarpitInterval = TimeSpan.FromSeconds(5);
            c.ReceiveConnectors[0].MaxProtocolErrors = 3;
        }, clock);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO c.test");
        await client.CommandAsync("MAIL FROM:<a@contoso.test>");

        await client.SendLineAsync("RCPT TO:<guess1@domain.com>");
        var (first, firstWait) = await FakeClock.AdvanceUntilAsync(clock, client.ReadLineAsync(), TimeSpan.FromSeconds(1), 30);
        await client.SendLineAsync("RCPT TO:<guess2@domain.com>");
        var (second, secondWait) = await FakeClock.AdvanceUntilAsync(clock, client.ReadLineAsync(), TimeSpan.FromSeconds(1), 30);
        await client.SendLineAsync("RCPT TO:<guess3@domain.com>");

        Assert.StartsWith("550 5.1.10 ", first, StringComparison.Ordinal);
        Assert.InRange(firstWait, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(7));
        Assert.StartsWith("550 5.1.10 ", second, StringComparison.Ordinal);
        Assert.InRange(secondWait, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(12));
        Assert.StartsWith("550 5.1.10 ", await client.ReadLineAsync(), StringComparison.Ordinal); // the error limit: answered and closed at once
        Assert.StartsWith("421 4.7.0 ", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Null(await client.ReadLineAsync());
    }
}
