using System.Text;
using MailFlow.Logs;
using MailKit;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// Feeds MailKit's client conversation into an Exchange SmtpSend protocol log: each server line is a
/// <c>&lt;</c> event (multi-line replies line by line, as Exchange writes them), each command a
/// <c>&gt;</c> event. Message content is not logged, and AUTH arguments are written as <c>****</c>.
/// </summary>
internal sealed class SmtpSendProtocolLogger(ProtocolLogSession session) : IProtocolLogger
{
    private readonly StringBuilder client = new();
    private readonly StringBuilder server = new();
    private bool inData;

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    public void LogConnect(Uri uri) => session.Connect();

    public void LogClient(byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (inData)
        {
            return; // the message itself is never logged
        }

        client.Append(Encoding.UTF8.GetString(buffer, offset, count));
        foreach (var line in TakeLines(client))
        {
            session.Sent(line.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase) ? string.Join(' ', line.Split(' ').Take(2)) + " ****" : line);
        }
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        server.Append(Encoding.UTF8.GetString(buffer, offset, count));
        foreach (var line in TakeLines(server))
        {
            session.Received(line);
            if (line.StartsWith("354", StringComparison.Ordinal))
            {
                inData = true;
                session.Information(null, "sending message");
            }
            else if (inData)
            {
                inData = false;
            }
        }
    }

    public void Dispose() => session.Disconnect("Local");

    private static List<string> TakeLines(StringBuilder pending)
    {
        var lines = new List<string>();
        var text = pending.ToString();
        var start = 0;
        for (var end = text.IndexOf("\r\n", StringComparison.Ordinal); end >= 0; end = text.IndexOf("\r\n", start, StringComparison.Ordinal))
        {
            lines.Add(text[start..end]);
            start = end + 2;
        }

        pending.Remove(0, start);
        return lines;
    }
}
