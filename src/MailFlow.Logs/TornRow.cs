namespace MailFlow.Logs;

/// <summary>
/// A process killed while its log writer flushed can leave a file's last row cut short: no CRLF, only
/// its first columns. Such a row is not an event — it may carry a message's ids without its recipients —
/// and the tools admins read logs with stumble on it. Before a file is trusted again, the torn tail is cut
/// back to the end of the last whole row.
/// </summary>
public static class TornRow
{
    private const int Window = 64 * 1024;

    /// <summary>Cuts <paramref name="path"/> back to its last line ending; true when there was something to cut.</summary>
    public static bool TrimTail(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        if (file.Length == 0)
        {
            return false;
        }

        file.Seek(-1, SeekOrigin.End);
        if (file.ReadByte() == '\n')
        {
            return false;
        }

        // Rows are at most a few KiB; look back window by window for the end of the last whole one.
        var buffer = new byte[Window];
        var end = file.Length;
        while (end > 0)
        {
            var start = Math.Max(0, end - Window);
            file.Seek(start, SeekOrigin.Begin);
            file.ReadExactly(buffer, 0, (int)(end - start));
            var newline = Array.LastIndexOf(buffer, (byte)'\n', (int)(end - start) - 1);
            if (newline >= 0)
            {
                file.SetLength(start + newline + 1);
                file.Flush(flushToDisk: true);
                return true;
            }

            end = start;
        }

        file.SetLength(0);
        file.Flush(flushToDisk: true);
        return true;
    }
}
