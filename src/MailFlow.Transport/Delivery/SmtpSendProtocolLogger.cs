using System.Buffers;
using System.Globalization;
using System.Text;
using MailFlow.Logs;
using MailKit;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// Feeds MailKit's client conversation into an Exchange SmtpSend protocol log: each server line is a
/// <c>&lt;</c> event (multi-line replies line by line, as Exchange writes them), each command a
/// <c>&gt;</c> event. Message content is not logged — neither after DATA's 354 nor the bytes a BDAT
/// command announces — and AUTH arguments are written as <c>****</c>.
/// </summary>
internal sealed class SmtpSendProtocolLogger(ProtocolLogSession session) : IProtocolLogger
{
    private readonly ArrayBufferWriter<byte> client = new();
    private readonly StringBuilder server = new();
    private bool inData;
    private long chunkBytesLeft;
    private bool startTlsSent;
    private bool handshaking;

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    /// <summary>Run when the server answers STARTTLS with 220 (RFC 3207 §4), before MailKit starts the handshake.</summary>
    public Action? HandshakeStarting { get; set; }

    /// <summary>
    /// Run before the first command MailKit sends after that 220: MailKit sends nothing until the handshake
    /// has completed, so this is the moment just after it, before the EHLO that RFC 3207 §4.2 requires.
    /// </summary>
    public Action? HandshakeCompleted { get; set; }

    public void LogConnect(Uri uri) => session.Connect();

    public void LogClient(byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var bytes = buffer.AsSpan(offset, count);
        while (bytes.Length > 0 && !inData)
        {
            if (chunkBytesLeft > 0)
            {
                var skip = (int)Math.Min(chunkBytesLeft, bytes.Length); // BDAT content: never logged
                chunkBytesLeft -= skip;
                bytes = bytes[skip..];
                continue;
            }

            var lineFeed = bytes.IndexOf((byte)'\n');
            if (lineFeed < 0)
            {
                client.Write(bytes);
                return;
            }

            client.Write(bytes[..(lineFeed + 1)]);
            bytes = bytes[(lineFeed + 1)..];
            var line = Encoding.UTF8.GetString(client.WrittenSpan).TrimEnd('\r', '\n');
            client.Clear();
            if (handshaking)
            {
                handshaking = false;
                HandshakeCompleted?.Invoke();
            }

            startTlsSent = line.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase);
            session.Sent(line.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase) ? string.Join(' ', line.Split(' ').Take(2)) + " ****" : line);
            var words = line.Split(' ');
            if (words.Length >= 2 && words[0].Equals("BDAT", StringComparison.OrdinalIgnoreCase) && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                chunkBytesLeft = size;
            }
        }
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        server.Append(Encoding.UTF8.GetString(buffer, offset, count));
        foreach (var line in TakeLines(server))
        {
            session.Received(line);
            if (startTlsSent)
            {
                startTlsSent = false;
                handshaking = line.StartsWith("220", StringComparison.Ordinal);
                if (handshaking)
                {
                    HandshakeStarting?.Invoke();
                }
            }
            else if (line.StartsWith("354", StringComparison.Ordinal))
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
