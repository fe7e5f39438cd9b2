namespace MailFlow.Queue.Tests;

/// <summary>
/// JSON exactly as the reflection-based serializer wrote it before the queue moved to source-generated
/// System.Text.Json (captured from that build): spool files and queue.db rows already on disk must still read.
/// </summary>
internal static class OldFormat
{
    public const string EnvelopeLine = """
        {"Id":"20260101T000000Z-0001","InternalId":7,"ReceivedUtc":"2026-01-02T03:04:05+00:00","ConnectorId":"VM\\Default VM","SessionId":"08DC0000000000A1","ClientAddress":"192.0.2.10:50000","ClientHelo":"client.example","ServerAddress":"192.0.2.1:25","ServerHostname":"vm.contoso.com","AuthenticatedAs":null,"Tls":"TLS1_3","MailFrom":"sender@example.com","DeclaredSize":42,"Body":"7BIT","SmtpUtf8":true,"Ret":"HDRS","EnvelopeId":"env-1","Recipients":[{"Address":"user@contoso.com","Notify":"SUCCESS,FAILURE","OriginalRecipient":"rfc822;user@contoso.com"},{"Address":"other@contoso.com","Notify":null,"OriginalRecipient":null}]}
        """;

    public const string Content = "Subject: old\r\n\r\nbody\r\n";

    public const string Trailer = "\nMFEND 0000000000000016 70C199C888DEB5C34163A1006C559EDEB412CA055AFBAD63FEF2E3F4C4302555\n";

    public const string Facts = """
        {"InternalId":7,"MessageId":"\u003Cm1@example.com\u003E","Subject":"old \u0022format\u0022 \u00E9","ClientBytes":23,"TotalBytes":22,"ConnectorId":"VM\\Default VM","SessionId":"08DC0000000000A1","ClientIp":"192.0.2.10:50000","ClientHostname":"client.example","ServerIp":"192.0.2.1:25","ServerHostname":"vm.contoso.com","Recipients":["user@contoso.com","other@contoso.com"]}
        """;

    public const string FinalEvent = """
        {"Utc":"2026-01-02T03:05:00+00:00","EventId":"DELIVER","Source":"STOREDRIVER","Status":"250 2.0.0 OK","Connector":"Intra-Organization SMTP Send Connector","ServerHost":"mx.contoso.com","Reason":null,"ClientIp":"192.0.2.1","ServerIp":"192.0.2.2"}
        """;

    public static byte[] SpoolFile() => System.Text.Encoding.UTF8.GetBytes("MFSPOOL1\n" + EnvelopeLine + "\n" + Content + Trailer);
}
