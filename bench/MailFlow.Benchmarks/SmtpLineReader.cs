using System.Text;

namespace MailFlow.Benchmarks;

/// <summary>CRLF-terminated lines from a stream, for the load generator and the sink (test tools, not the product's parser).</summary>
public sealed class SmtpLineReader(Stream stream)
{
    private readonly byte[] buffer = new byte[65536];
    private int start;
    private int end;

    /// <summary>The next line without its CRLF, or null at the end of the stream.</summary>
    public async Task<string?> LineAsync()
    {
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(buffer, start, newline - start).TrimEnd('\r');
                start = newline + 1;
                return line;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                throw new IOException("line too long");
            }

            var read = await stream.ReadAsync(buffer.AsMemory(end));
            if (read == 0)
            {
                return null;
            }

            end += read;
        }
    }
}
