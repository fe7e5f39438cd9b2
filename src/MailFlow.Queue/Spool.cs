using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;

namespace MailFlow.Queue;

/// <summary>
/// The queue's on-disk intake. A message is streamed into <c>queue/staging/&lt;id&gt;</c>; on commit the
/// trailer is written, the file fsynced, renamed into <c>queue/incoming/&lt;id&gt;.msg</c> and the directory
/// fsynced — only then may the receiver answer 250. A crash before commit leaves at most a staging
/// file, which start-up deletes (it was never acknowledged).
/// <para>File layout: <c>MFSPOOL1\n</c>, the envelope as one JSON line, the message bytes, then a fixed
/// 89-byte trailer <c>\nMFEND &lt;16 hex: message length&gt; &lt;64 hex: SHA-256 of envelope line and message&gt;\n</c>,
/// so a truncated or damaged file is detected rather than delivered.</para>
/// </summary>
public sealed class Spool
{
    internal static readonly byte[] Magic = "MFSPOOL1\n"u8.ToArray();
    internal const int TrailerLength = 89;

    public Spool(string queueDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueDirectory);
        Staging = Path.Combine(queueDirectory, "staging");
        Incoming = Path.Combine(queueDirectory, "incoming");
        Corrupt = Path.Combine(queueDirectory, "corrupt");
        DurableFile.EnsurePrivateDirectory(queueDirectory);
        DurableFile.EnsurePrivateDirectory(Staging);
        DurableFile.EnsurePrivateDirectory(Incoming);
    }

    public string Staging { get; }

    public string Incoming { get; }

    public string Corrupt { get; }

    /// <summary>Starts a message: the envelope is written now, the content streams in, <see cref="SpoolTransaction.Commit"/> makes it durable.</summary>
    public SpoolTransaction Begin(SpooledEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return new SpoolTransaction(this, envelope);
    }

    /// <summary>Deletes staging files left by a crash: none of them was acknowledged.</summary>
    public int DeleteAbandonedStaging()
    {
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(Staging))
        {
            File.Delete(file);
            count++;
        }

        return count;
    }

    /// <summary>Reads and verifies a spooled message. A damaged file throws <see cref="MailFlowException"/> (InvalidData).</summary>
    public static SpooledMessage Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + TrailerLength || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw Damaged(path, "does not start with the spool header");
        }

        var newline = bytes.AsSpan(Magic.Length).IndexOf((byte)'\n');
        if (newline < 0)
        {
            throw Damaged(path, "has no envelope line");
        }

        var envelopeLine = bytes.AsSpan(Magic.Length, newline + 1);
        var trailer = Encoding.ASCII.GetString(bytes, bytes.Length - TrailerLength, TrailerLength);
        if (!trailer.StartsWith("\nMFEND ", StringComparison.Ordinal) || !trailer.EndsWith('\n')
            || !long.TryParse(trailer.AsSpan(7, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var length))
        {
            throw Damaged(path, "has no valid trailer (truncated?)");
        }

        var messageStart = Magic.Length + envelopeLine.Length;
        if (messageStart + length + TrailerLength != bytes.Length)
        {
            throw Damaged(path, "has a length that does not match its trailer");
        }

        var message = bytes.AsMemory(messageStart, (int)length);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(envelopeLine);
        hash.AppendData(message.Span);
        if (!string.Equals(Convert.ToHexString(hash.GetHashAndReset()), trailer.Substring(24, 64), StringComparison.Ordinal))
        {
            throw Damaged(path, "fails its checksum");
        }

        var envelope = JsonSerializer.Deserialize(envelopeLine, QueueJsonContext.Default.SpooledEnvelope) ?? throw Damaged(path, "has an empty envelope");
        return new SpooledMessage(envelope, message);
    }

    internal static string Trailer(long messageLength, byte[] sha256) =>
        $"\nMFEND {messageLength.ToString("X16", CultureInfo.InvariantCulture)} {Convert.ToHexString(sha256)}\n";

    private static MailFlowException Damaged(string path, string what) => new($"spool file '{path}' {what}", MailFlowErrorKind.InvalidData);
}

/// <summary>A verified spooled message.</summary>
public sealed record SpooledMessage(SpooledEnvelope Envelope, ReadOnlyMemory<byte> Content);

/// <summary>One message being written to the spool.</summary>
public sealed class SpoolTransaction : IDisposable
{
    private readonly Spool spool;
    private readonly string stagingPath;
    private readonly FileStream file;
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool committed;

    internal SpoolTransaction(Spool spool, SpooledEnvelope envelope)
    {
        this.spool = spool;
        Envelope = envelope;
        stagingPath = Path.Combine(spool.Staging, envelope.Id);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 64 * 1024 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = DurableFile.PrivateFile;
        }

        file = new FileStream(stagingPath, options);
        var line = JsonSerializer.SerializeToUtf8Bytes(envelope, QueueJsonContext.Default.SpooledEnvelope);
        file.Write(Spool.Magic);
        file.Write(line);
        file.WriteByte((byte)'\n');
        hash.AppendData(line);
        hash.AppendData("\n"u8);
    }

    public SpooledEnvelope Envelope { get; }

    public long MessageLength { get; private set; }

    /// <summary>Appends message bytes (already dot-unstuffed).</summary>
    public void Write(ReadOnlySpan<byte> content)
    {
        file.Write(content);
        hash.AppendData(content);
        MessageLength += content.Length;
    }

    /// <summary>Makes the message durable in <c>incoming/</c>; returns its path. After this the 250 may be sent.</summary>
    public string Commit()
    {
        var trailer = Encoding.ASCII.GetBytes(Spool.Trailer(MessageLength, hash.GetHashAndReset()));
        file.Write(trailer);
        file.Flush(flushToDisk: true);
        file.Dispose();
        var destination = Path.Combine(spool.Incoming, Envelope.Id + ".msg");
        File.Move(stagingPath, destination);
        DurableFile.SyncDirectory(spool.Incoming);
        committed = true;
        return destination;
    }

    /// <summary>Without a commit the staging file is deleted: the message was refused or the connection dropped.</summary>
    public void Dispose()
    {
        hash.Dispose();
        if (committed)
        {
            return;
        }

        file.Dispose();
        try
        {
            File.Delete(stagingPath);
        }
        catch (IOException)
        {
            // Left for DeleteAbandonedStaging at the next start.
        }
    }
}
