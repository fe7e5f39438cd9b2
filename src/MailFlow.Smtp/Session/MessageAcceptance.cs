using System.Text;
using MailFlow.Queue;
using MailFlow.Smtp.Protocol;
using MimeKit;

namespace MailFlow.Smtp.Session;

/// <summary>
/// The content side of a transaction: streams to the spool, keeps the header block (up to 64 KiB) so
/// Message-ID and Subject can be logged, and counts the client's bytes for the size limit.
/// </summary>
internal sealed class MessageAcceptance : IMessageSink, IDisposable
{
    private const int HeaderCaptureLimit = 64 * 1024;

    private readonly SpoolTransaction transaction;
    private readonly MemoryStream headers = new();
    private bool headersComplete;
    private HeaderList? parsed;

    public MessageAcceptance(SpoolTransaction transaction) => this.transaction = transaction;

    public SpooledEnvelope Envelope => transaction.Envelope;

    /// <summary>Bytes the client sent (the trace header we add is not counted against MaxMessageSize).</summary>
    public long Size { get; private set; }

    public string? MessageId => Header(HeaderId.MessageId)?.Trim();

    public string? Subject => Header(HeaderId.Subject);

    /// <summary>Received headers the client's message already carries (RFC 5321 §6.3 loop detection).</summary>
    public int ReceivedCount
    {
        get
        {
            _ = Header(HeaderId.Received);
            return parsed?.Count(h => h.Id == HeaderId.Received) ?? 0;
        }
    }

    /// <summary>Our Received header, written in front of the client's content.</summary>
    public void WriteTrace(string header) => transaction.Write(Encoding.ASCII.GetBytes(header));

    public void Write(ReadOnlySpan<byte> content)
    {
        Size += content.Length;
        transaction.Write(content);
        if (!headersComplete)
        {
            var room = HeaderCaptureLimit - (int)headers.Length;
            var take = content[..Math.Min(room, content.Length)];
            headers.Write(take);
            headersComplete = headers.Length >= HeaderCaptureLimit || EndOfHeaders();
        }
    }

    public void Commit() => transaction.Commit();

    public void Dispose()
    {
        transaction.Dispose();
        headers.Dispose();
    }

    private bool EndOfHeaders()
    {
        var buffer = headers.GetBuffer().AsSpan(0, (int)headers.Length);
        return buffer.IndexOf("\r\n\r\n"u8) >= 0 || buffer.StartsWith("\r\n"u8);
    }

    private string? Header(HeaderId id)
    {
        if (parsed is null && headers.Length > 0)
        {
            try
            {
                headers.Position = 0;
                parsed = HeaderList.Load(headers);
            }
            catch (FormatException) // MimeKit.ParseException included
            {
                parsed = [];
            }
        }

        return parsed?[id];
    }
}
