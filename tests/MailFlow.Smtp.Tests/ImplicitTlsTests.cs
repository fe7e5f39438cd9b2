using MailFlow.Smtp.Tests.Harness;

namespace MailFlow.Smtp.Tests;

public sealed class ImplicitTlsTests
{
    [Fact]
    public async Task An_ImplicitTls_connector_handshakes_before_the_banner_and_does_not_offer_STARTTLS()
    {
        await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[4].ImplicitTls = true); // Client Proxy, port 465
        await using var client = new SmtpTestClient(server.Connect(@"SERVER1\Client Proxy SERVER1"));

        await client.StartTlsAsync();
        var banner = await client.ReadLineAsync();
        var ehlo = await client.CommandAsync("EHLO c.test");

        Assert.StartsWith("220 SERVER1.domain.com", banner, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", ehlo, StringComparison.Ordinal);
        Assert.Contains("AUTH PLAIN LOGIN", ehlo, StringComparison.Ordinal);
        Assert.Equal("CN=SERVER1", client.Tls!.RemoteCertificate!.Subject);
    }

    [Fact]
    public async Task HELP_lists_the_commands()
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();

        Assert.Equal("214-This server supports the following commands:\n214 HELO EHLO STARTTLS RCPT DATA RSET MAIL QUIT HELP AUTH BDAT", await client.CommandAsync("HELP"));
    }
}

public sealed class UnloggedConnectorTests
{
    [Fact]
    public async Task Without_protocol_logging_an_unknown_command_is_still_quoted_by_its_verb()
    {
        await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[0].ProtocolLoggingLevel = Configuration.Model.ProtocolLoggingLevel.None);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();

        Assert.Equal("500 5.3.3 Unrecognized command 'FROB'", await client.CommandAsync("FROB nicate"));
        Assert.DoesNotContain("FROB", await server.ProtocolLogAsync(), StringComparison.Ordinal);
    }
}
