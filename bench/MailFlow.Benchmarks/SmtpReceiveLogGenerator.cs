using System.Globalization;
using System.Text;

namespace MailFlow.Benchmarks;

/// <summary>
/// Writes a synthetic SmtpReceive log of a given size in Exchange's layout: sessions on three
/// connectors, EHLO, STARTTLS, the multi-line certificate record, the quoted TLS line, MAIL/RCPT/DATA.
/// Deterministic (fixed seed) so runs compare.
/// </summary>
public static class SmtpReceiveLogGenerator
{
    private static readonly string[] Connectors = [@"SERVER1\Default Frontend SERVER1", @"SERVER1\Client Frontend SERVER1", @"SERVER1\Default SERVER1"];

    public static long Write(string path, long targetBytes)
    {
        var random = new Random(42);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write("#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n#Date: 2017-04-14T17:00:00.000Z\r\n");
        writer.Write("#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n");
        var time = new DateTime(2017, 4, 14, 17, 0, 0, DateTimeKind.Utc);
        long sessions = 0;
        while (writer.BaseStream.Position < targetBytes)
        {
            var connector = Connectors[random.Next(Connectors.Length)];
            var id = (0x08D479E145212000L + sessions++).ToString("X16", CultureInfo.InvariantCulture);
            var remote = $"155.39.{random.Next(256)}.{random.Next(256)}:{random.Next(1024, 65535)}";
            var sequence = 0;
            void Row(string kind, string data, string context)
            {
                time = time.AddMilliseconds(random.Next(1, 20));
                writer.Write(time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                writer.Write($",{connector},{id},{sequence++},172.20.102.10:25,{remote},{kind},{data},{context}\r\n");
            }

            Row("+", string.Empty, string.Empty);
            Row("*", "SMTPSubmit SMTPAcceptAnyRecipient SMTPAcceptAnySender", "Set Session Permissions");
            Row(">", "\"220 SERVER1.domain.com Microsoft ESMTP MAIL Service ready at Fri, 14 Apr 2017 17:00:41 +0000\"", string.Empty);
            Row("<", "EHLO mail.protection.outlook.com", string.Empty);
            Row(">", "250-SERVER1.domain.com Hello [155.39.36.248]", string.Empty);
            Row(">", "250-STARTTLS", string.Empty);
            Row(">", "250 CHUNKING", string.Empty);
            Row("<", "STARTTLS", string.Empty);
            Row(">", "220 2.0.0 SMTP server ready", string.Empty);
            Row("*", string.Empty, "Sending certificate");
            Row("*", "CN=SERVER1", "Certificate subject");
            Row("*", "CN=SERVER1", "Certificate issuer name");
            Row("*", "1234567890ABCDEF1234567890ABCDEF", "Certificate serial number");
            Row("*", "9876534210FEDCBA9876534210FEDCBA12345678", "Certificate thumbprint");
            Row("*", "SERVER1;SERVER1.domain.com", "Certificate alternate names");
            Row("*", string.Empty, "\"TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 384 bits and key exchange algorithm CALG_ECDHE with strength 384 bits\"");
            Row("<", "MAIL FROM:<sender@contoso.com> SIZE=12345", string.Empty);
            Row(">", "250 2.1.0 Sender OK", string.Empty);
            Row("<", "RCPT TO:<user@domain.com>", string.Empty);
            Row(">", "250 2.1.5 Recipient OK", string.Empty);
            Row("<", "BDAT 12345 LAST", string.Empty);
            Row(">", "\"250 2.6.0 <abc@contoso.com> [InternalId=123, Hostname=SERVER1.domain.com] 12345 bytes in 0.1, 120 KB/sec Queued mail for delivery\"", string.Empty);
            Row("-", string.Empty, "Remote");
        }

        return sessions;
    }
}
