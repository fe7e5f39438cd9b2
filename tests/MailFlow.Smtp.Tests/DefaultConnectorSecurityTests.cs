using System.Text;
using MailFlow.Configuration.Model;
using MailFlow.Smtp.Tests.Harness;

namespace MailFlow.Smtp.Tests;

/// <summary>
/// Walks every receive connector a fresh server has (issue 14, item 2): none offers or accepts AUTH
/// before TLS — a password would cross the wire in plaintext, and an AUTH user may relay.
/// </summary>
public sealed class DefaultConnectorSecurityTests
{
    public static TheoryData<string> DefaultConnectors() =>
        [.. new[] { "Default Frontend", "Client Frontend", "Outbound Proxy Frontend", "Default", "Client Proxy" }.Select(n => $@"SERVER1\{n} SERVER1")];

    [Theory]
    [MemberData(nameof(DefaultConnectors))]
    public async Task No_default_connector_offers_or_accepts_AUTH_before_TLS(string identity)
    {
        await using var server = SmtpTestServer.Create();
        var connector = server.Connector(identity);
        Assert.True(connector.Connector.AuthMechanism.HasFlag(AuthMechanisms.BasicAuth), "every default connector has BasicAuth, so TLS is what stands between AUTH and the wire");
        await using var client = new SmtpTestClient(server.Connect(identity));
        if (connector.Connector.ImplicitTls)
        {
            await client.StartTlsAsync();
        }

        Assert.StartsWith("220", (await client.ReadReplyAsync())[0]);
        if (!connector.Connector.ImplicitTls)
        {
            var plain = await client.CommandAsync("EHLO c.test");
            Assert.DoesNotContain("AUTH", plain, StringComparison.Ordinal);
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{SmtpTestServer.UserName}\0{SmtpTestServer.UserPassword}"));
            Assert.StartsWith("5", await client.CommandAsync("AUTH PLAIN " + credentials));
            Assert.StartsWith("5", await client.CommandAsync("AUTH LOGIN"));

            Assert.StartsWith("220", await client.CommandAsync("STARTTLS"));
            await client.StartTlsAsync();
        }

        // Inside TLS the same connector does offer AUTH, and the account logs on: the check above is not vacuous.
        Assert.Contains("AUTH PLAIN LOGIN", await client.CommandAsync("EHLO c.test"), StringComparison.Ordinal);
        Assert.StartsWith("235", await client.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{SmtpTestServer.UserName}\0{SmtpTestServer.UserPassword}"))));
    }

    [Fact]
    public async Task An_admin_who_drops_BasicAuthRequireTLS_gets_AUTH_in_plaintext_as_configured()
    {
        await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[3].AuthMechanism = AuthMechanisms.Tls | AuthMechanisms.BasicAuth);
        await using var client = new SmtpTestClient(server.Connect(@"SERVER1\Default SERVER1"));
        await client.ReadReplyAsync();

        Assert.Contains("AUTH PLAIN LOGIN", await client.CommandAsync("EHLO c.test"), StringComparison.Ordinal);
    }
}
