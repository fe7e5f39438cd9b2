using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace MailFlow.Logs;

/// <summary>Size and age limits of one log directory (Set-TransportService *LogMaxFileSize/MaxDirectorySize/MaxAge).</summary>
public sealed record LogRotation(long MaxFileSize, long MaxDirectorySize, TimeSpan MaxAge)
{
    public static LogRotation ExchangeProtocolDefaults { get; } = new(10L * 1024 * 1024, 250L * 1024 * 1024, TimeSpan.FromDays(30));
}

/// <summary>
/// Writes one Exchange-format CSV log directory: <c>PREFIXyyyymmdd-n.LOG</c> files with the
/// <c>#Software/#Version/#Log-type/#Date/#Fields</c> header, a new file per UTC day or when the file
/// would exceed MaxFileSize, and the oldest files deleted beyond MaxDirectorySize or MaxAge.
/// Producers only enqueue rows; one background task formats and writes them through a buffer flushed
/// every second and at disposal, so logging never waits on the disk in a session.
/// </summary>
public sealed class ExchangeLogWriter : IAsyncDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private readonly Channel<LogRow> rows = Channel.CreateBounded<LogRow>(new BoundedChannelOptions(100_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly ExchangeLogFormat format;
    private readonly LogRotation rotation;
    private readonly TimeProvider time;
    private readonly Task writer;
    private FileStream? file;
    private DateOnly fileDay;
    private long fileSize;

    public ExchangeLogWriter(string directory, ExchangeLogFormat format, LogRotation rotation, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = directory;
        this.format = format ?? throw new ArgumentNullException(nameof(format));
        this.rotation = rotation ?? throw new ArgumentNullException(nameof(rotation));
        this.time = time ?? TimeProvider.System;
        System.IO.Directory.CreateDirectory(directory);
        writer = Task.Run(WriteLoopAsync);
    }

    public string Directory { get; }

    /// <summary>The header and field list this writer's files carry.</summary>
    public ExchangeLogFormat Format => format;

    /// <summary>The file currently written, for tests and diagnostics.</summary>
    public string? CurrentFile => file?.Name;

    /// <summary>
    /// Queues one row; the fields are in the format's #Fields order. Blocks only if 100,000 rows are
    /// pending. After the writer is disposed a row is dropped: a late row (a MailKit client finalized
    /// after shutdown logs its disconnect) must never take the process down.
    /// </summary>
    public void Write(DateTimeOffset timestamp, params string?[] fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (!rows.Writer.TryWrite(new LogRow(timestamp, fields)))
        {
            try
            {
                rows.Writer.WriteAsync(new LogRow(timestamp, fields)).AsTask().GetAwaiter().GetResult();
            }
            catch (ChannelClosedException)
            {
                // Disposed: nothing is written any more.
            }
        }
    }

    /// <summary>
    /// Waits until everything queued so far is written to the file: in the kernel, so it survives the
    /// process being killed; with <paramref name="toDisk"/> also fsynced, so it survives power loss.
    /// </summary>
    public async Task FlushAsync(bool toDisk = false)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await rows.Writer.WriteAsync(new LogRow(default, null, done, toDisk));
        await done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        rows.Writer.TryComplete();
        await writer;
    }

    /// <summary>CSV quoting as Exchange writes it: a value with a comma, quote or leading/trailing space is quoted, quotes doubled.</summary>
    public static void AppendField(StringBuilder line, string? value)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(value);
            return;
        }

        line.Append('"');
        foreach (var c in value)
        {
            if (c == '"')
            {
                line.Append("\"\"");
            }
            else if (c is '\r' or '\n')
            {
                line.Append(c == '\r' ? "\\r" : "\\n"); // a row is one line, whatever a value holds
            }
            else
            {
                line.Append(c);
            }
        }

        line.Append('"');
    }

    private async Task WriteLoopAsync()
    {
        var line = new StringBuilder(256);
        using var timer = new PeriodicTimer(FlushInterval, time);
        var tick = timer.WaitForNextTickAsync().AsTask();
        var read = rows.Reader.WaitToReadAsync().AsTask();
        try
        {
            while (true)
            {
                var finished = await Task.WhenAny(read, tick);
                if (finished == tick)
                {
                    file?.Flush();
                    tick = timer.WaitForNextTickAsync().AsTask();
                    continue;
                }

                if (!await read)
                {
                    break;
                }

                while (rows.Reader.TryRead(out var row))
                {
                    if (row.Fields is null)
                    {
                        file?.Flush(row.ToDisk);
                        row.Flushed?.TrySetResult();
                        continue;
                    }

                    line.Clear();
                    line.Append(row.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                    for (var i = 0; i < row.Fields.Length; i++)
                    {
                        line.Append(',');
                        AppendField(line, row.Fields[i]);
                    }

                    line.Append("\r\n");
                    WriteLine(row.Timestamp, line);
                }

                read = rows.Reader.WaitToReadAsync().AsTask();
            }
        }
        finally
        {
            file?.Flush();
            file?.Dispose();
        }
    }

    private void WriteLine(DateTimeOffset timestamp, StringBuilder line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToString());
        var day = DateOnly.FromDateTime(timestamp.UtcDateTime);
        if (file is null || day != fileDay || fileSize + bytes.Length > rotation.MaxFileSize)
        {
            OpenNext(timestamp, day);
        }

        file!.Write(bytes);
        fileSize += bytes.Length;
    }

    private void OpenNext(DateTimeOffset timestamp, DateOnly day)
    {
        file?.Flush();
        file?.Dispose();
        var stem = format.FilePrefix + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-";
        var next = System.IO.Directory.EnumerateFiles(Directory, stem + "*.LOG")
            .Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f)[stem.Length..], out var n) ? n : 0)
            .DefaultIfEmpty(0)
            .Max() + 1;
        var path = Path.Combine(Directory, $"{stem}{next}.LOG");
        file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024);
        fileDay = day;
        var header = new StringBuilder()
            .Append("#Software: MailFlow\r\n")
            .Append("#Version: ").Append(format.Version).Append("\r\n")
            .Append("#Log-type: ").Append(format.LogType).Append("\r\n")
            .Append("#Date: ").Append(timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("#Fields: ").AppendJoin(',', format.Fields).Append("\r\n");
        var bytes = Encoding.UTF8.GetBytes(header.ToString());
        file.Write(bytes);
        fileSize = bytes.Length;
        EnforceLimits(timestamp, path);
    }

    /// <summary>Circular logging: delete files past MaxAge, then the oldest until the directory fits MaxDirectorySize.</summary>
    private void EnforceLimits(DateTimeOffset now, string current)
    {
        var files = new DirectoryInfo(Directory).EnumerateFiles(format.FilePrefix + "*.LOG")
            .Where(f => f.FullName != current)
            .OrderBy(f => f.LastWriteTimeUtc)
            .ToList();
        var total = files.Sum(f => f.Length);
        foreach (var old in files)
        {
            if (now.UtcDateTime - old.LastWriteTimeUtc > rotation.MaxAge || total + fileSize > rotation.MaxDirectorySize)
            {
                total -= old.Length;
                old.Delete();
            }
        }
    }

    private readonly record struct LogRow(DateTimeOffset Timestamp, string?[]? Fields, TaskCompletionSource? Flushed = null, bool ToDisk = false);
}
