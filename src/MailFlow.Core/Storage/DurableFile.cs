namespace MailFlow.Core.Storage;

/// <summary>
/// Atomic, durable replacement of a small file: write a temporary file in the same directory,
/// fsync it, rename it over the target, fsync the directory. A reader sees the old or the new
/// content, never a mix, and after a crash the file is whole.
/// </summary>
public static class DurableFile
{
    /// <summary>Owner read/write only: configuration, keys, anything that may hold a secret.</summary>
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner only directories.</summary>
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode = PrivateFile)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            WriteAndSync(temporary, content, mode);
            File.Move(temporary, path, overwrite: true);
            Posix.SyncDirectory(directory);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes a new file (not a replacement) and fsyncs it. The caller renames it into place.</summary>
    public static void WriteAndSync(string path, ReadOnlySpan<byte> content, UnixFileMode mode = PrivateFile)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using var stream = new FileStream(path, options);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Creates <paramref name="path"/> (and parents) owner-only if it is missing.</summary>
    public static void EnsurePrivateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, PrivateDirectory);
        }
    }

    /// <summary>Renames a directory into place and makes the rename durable.</summary>
    public static void MoveDirectoryDurably(string source, string destination)
    {
        Directory.Move(source, destination);
        Posix.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
    }

    public static void SyncDirectory(string directory) => Posix.SyncDirectory(directory);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a stray temporary file is harmless and is named so nobody mistakes it for data.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
