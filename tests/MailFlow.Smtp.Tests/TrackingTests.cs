using System.Security.Authentication;
using MailFlow.Logs;
using MailFlow.Smtp.Tests.Harness;

namespace MailFlow.Smtp.Tests;

public sealed class TrackingTests
{
    [Fact]
    public async Task An_accepted_message_is_a_RECEIVE_event_in_the_2016_tracking_layout()
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO mail.contoso.test");
        await client.CommandAsync("MAIL FROM:<sender@contoso.test>");
        await client.CommandAsync("RCPT TO:<a@domain.com>");
        await client.CommandAsync("RCPT TO:<b@domain.com>");
        await client.CommandAsync("DATA");
        var queued = await client.CommandAsync("Message-ID: <t1@contoso.test>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\nhi\r\n.");

        var rows = (await server.TrackingLogAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var fields = rows.Single(r => r.StartsWith("#Fields: ", StringComparison.Ordinal))[9..].Split(',');
        var row = rows.Last().Split(',');
        string Field(string name) => row[Array.IndexOf(fields, name)];

        Assert.Equal(ExchangeLogFormat.MessageTracking.Fields, fields);
        Assert.Equal(30, row.Length);
        Assert.Equal("RECEIVE", Field("event-id"));
        Assert.Equal("SMTP", Field("source"));
        Assert.Equal(SmtpTestServer.Frontend, Field("connector-id"));
        Assert.Equal("<t1@contoso.test>", Field("message-id"));
        Assert.Equal("a@domain.com;b@domain.com", Field("recipient-address"));
        Assert.Equal("2", Field("recipient-count"));
        Assert.Equal("café", Field("message-subject"));
        Assert.Equal("sender@contoso.test", Field("sender-address"));
        Assert.Equal("192.0.2.10", Field("client-ip"));
        Assert.Equal("mail.contoso.test", Field("client-hostname"));
        Assert.Equal("Incoming", Field("directionality"));
        Assert.Contains($"[InternalId={Field("internal-message-id")}, Hostname=SERVER1.domain.com]", queued, StringComparison.Ordinal);
    }

    /// <summary>The SP_PROT name and the algorithms are the ones the handshake negotiated, whichever version the client allowed.</summary>
    [Theory]
    [InlineData(SslProtocols.Tls12, "SP_PROT_TLS1_2_SERVER")]
    [InlineData(SslProtocols.Tls13, "SP_PROT_TLS1_3_SERVER")]
    public async Task The_TLS_success_line_names_the_negotiated_protocol(SslProtocols protocol, string name)
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.test");
        await client.CommandAsync("STARTTLS");
        await client.StartTlsAsync(protocols: protocol);
        await client.CommandAsync("EHLO c.test");

        var log = await server.ProtocolLogAsync();

        Assert.Equal(protocol, client.Tls!.SslProtocol);
        Assert.Contains($",*,,\"{TlsDescription.Describe(protocol, client.Tls.NegotiatedCipherSuite, server: true)}\"", log, StringComparison.Ordinal);
        Assert.Contains($",*,,\"TLS protocol {name} negotiation succeeded using bulk encryption algorithm ", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_single_line_certificate_layout_is_used_when_configured()
    {
        await using var server = SmtpTestServer.Create(certificateFormat: CertificateLogFormat.SingleLine);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.test");
        await client.CommandAsync("STARTTLS");
        await client.StartTlsAsync();
        await client.CommandAsync("EHLO c.test");

        var log = await server.ProtocolLogAsync();

        Assert.Matches(@",\*, CN=SERVER1 CN=SERVER1 [0-9A-F]+ [0-9A-F]{40} \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z SERVER1;SERVER1\.domain\.com,Sending certificate Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names", log);
    }
}
