using System.Text.Json;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Serialization;
using MailFlow.Configuration.Validation;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;

namespace MailFlow.Configuration;

/// <summary>
/// Reads and writes <c>config.json</c>. Writes are atomic (temp file, fsync, rename, directory fsync)
/// and optimistic: a save names the <see cref="MailFlowConfiguration.Revision"/> it was based on and is
/// refused if someone saved in between; <see cref="Update"/> reads, changes and writes under the lock.
/// Either way concurrent writers never lose each other's updates.
/// </summary>
public sealed class ConfigurationStore
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(15);
    private readonly DataDirectory directory;

    public ConfigurationStore(DataDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        this.directory = directory;
    }

    public string FilePath => directory.ConfigurationFile;

    public bool Exists => File.Exists(FilePath);

    /// <summary>Loads and validates. Any problem is a one-line <see cref="MailFlowException"/> naming the file and the path inside it.</summary>
    public MailFlowConfiguration Load()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(FilePath);
        }
        catch (FileNotFoundException ex)
        {
            throw new MailFlowException($"no configuration file at '{FilePath}' (run 'mailflow init' to create the default)", ex, MailFlowErrorKind.NotFound);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MailFlowException($"configuration file '{FilePath}' cannot be read: {ex.Message}", ex);
        }

        // An empty file (a crash of something else, a truncating editor) would read as .NET's "no JSON tokens".
        if (bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            throw new MailFlowException($"configuration file '{FilePath}' is empty: restore it from a backup, or move it away and run 'mailflow init'", MailFlowErrorKind.InvalidData);
        }

        MailFlowConfiguration configuration;
        try
        {
            configuration = ConfigurationJson.Deserialize(bytes);
        }
        catch (JsonException ex)
        {
            throw new MailFlowException($"configuration file '{FilePath}' is invalid {ConfigurationJson.Describe(ex)}", ex, MailFlowErrorKind.InvalidData);
        }

        var errors = ConfigurationValidator.Validate(configuration).Where(i => i.Severity == IssueSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new MailFlowException($"configuration file '{FilePath}' is invalid at {Summarize(errors)}", MailFlowErrorKind.InvalidData);
        }

        return configuration;
    }

    /// <summary>Writes the first configuration of a data directory; refused when one exists.</summary>
    public MailFlowConfiguration Create(MailFlowConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        using var gate = AcquireWriteLock();
        if (Exists)
        {
            throw new MailFlowException($"configuration file '{FilePath}' already exists", MailFlowErrorKind.AlreadyExists);
        }

        var copy = ConfigurationJson.Clone(configuration);
        copy.Revision = 1;
        Write(copy);
        return copy;
    }

    /// <summary>
    /// Saves <paramref name="configuration"/> if the file is still at its <see cref="MailFlowConfiguration.Revision"/>;
    /// returns what was written (revision + 1). Invalid documents are refused before anything is written.
    /// </summary>
    public MailFlowConfiguration Save(MailFlowConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ThrowIfInvalid(configuration);
        using var gate = AcquireWriteLock();
        var current = Load();
        if (current.Revision != configuration.Revision)
        {
            throw new MailFlowException(
                $"configuration file '{FilePath}' changed while this change was being made (revision {configuration.Revision} read, {current.Revision} now); nothing was saved",
                MailFlowErrorKind.ConcurrencyConflict);
        }

        var copy = ConfigurationJson.Clone(configuration);
        copy.Revision = current.Revision + 1;
        Write(copy);
        return copy;
    }

    /// <summary>
    /// Load, change, validate, save as one step under the write lock, so it cannot conflict with another
    /// writer. Use it for changes computed from the current document; use <see cref="Save"/> when the
    /// document was read earlier (an admin's Get … | Set … pipeline) and a concurrent change must be
    /// detected rather than overwritten.
    /// </summary>
    public MailFlowConfiguration Update(Action<MailFlowConfiguration> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var gate = AcquireWriteLock();
        var configuration = Load();
        change(configuration);
        ThrowIfInvalid(configuration);
        configuration.Revision++;
        Write(configuration);
        return configuration;
    }

    private void Write(MailFlowConfiguration configuration)
    {
        var bytes = ConfigurationJson.Serialize(configuration);
        var withNewline = new byte[bytes.Length + 1];
        bytes.CopyTo(withNewline, 0);
        withNewline[^1] = (byte)'\n';
        DurableFile.WriteAllBytes(FilePath, withNewline);
    }

    /// <summary>
    /// An exclusive advisory lock (flock through FileShare.None) around read-compare-write, so the
    /// revision check and the rename are one step for every MailFlow process on this data directory.
    /// </summary>
    private FileStream AcquireWriteLock()
    {
        directory.EnsureCreated();
        var deadline = DateTime.UtcNow + LockTimeout;
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = DurableFile.PrivateFile;
        }

        while (true)
        {
            try
            {
                return new FileStream(directory.ConfigurationLockFile, options);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(1, 15));
            }
            catch (IOException ex)
            {
                throw new MailFlowException($"configuration lock '{directory.ConfigurationLockFile}' is held by another process for more than {LockTimeout.TotalSeconds:0} s", ex);
            }
        }
    }

    private static void ThrowIfInvalid(MailFlowConfiguration configuration)
    {
        var errors = ConfigurationValidator.Validate(configuration).Where(i => i.Severity == IssueSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new MailFlowException($"the change was not saved: it would make the configuration invalid at {Summarize(errors)}", MailFlowErrorKind.OperationFailed);
        }
    }

    /// <summary>Every problem, not just the first: fixing them one run at a time is slow and hides how broken the file is.</summary>
    private static string Summarize(List<ConfigurationIssue> errors) =>
        errors.Count == 1 ? errors[0].ToString() : $"{errors.Count} places: {string.Join("; ", errors)}";
}
