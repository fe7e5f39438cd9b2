namespace MailFlow.Transport.Delivery;

/// <summary>
/// Outbound canonicalisation (security-and-reliability.md §1.4 item 4): every line ending becomes CRLF
/// before a message leaves, so no lone CR or LF can reach a lenient next hop as an end-of-data
/// (SMTP smuggling). MailKit dot-stuffs and terminates, but passes a lone CR through unchanged.
/// </summary>
public static class LineEndings
{
    public static byte[] Canonicalize(ReadOnlySpan<byte> content)
    {
        var output = new List<byte>(content.Length + 64);
        for (var i = 0; i < content.Length; i++)
        {
            var b = content[i];
            if (b == (byte)'\r')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
                if (i + 1 < content.Length && content[i + 1] == (byte)'\n')
                {
                    i++;
                }
            }
            else if (b == (byte)'\n')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
            }
            else
            {
                output.Add(b);
            }
        }

        return [.. output];
    }
}
