namespace MailFlow.Core.Storage;

/// <summary>
/// The one directory that holds everything MailFlow owns. Layout (all directories 0700, secrets 0600):
/// <code>
/// &lt;data&gt;/config.json                       the configuration document
/// &lt;data&gt;/certificates/&lt;THUMBPRINT&gt;/        one folder per certificate (certificate.pem, chain.pem, private-key.pem, properties.json)
/// &lt;data&gt;/trust/                             extra trusted root certificates (PEM)
/// &lt;data&gt;/queue/                             spool and queue database
/// &lt;data&gt;/mailboxes/&lt;domain&gt;/&lt;local&gt;/Maildir   local delivery
/// &lt;data&gt;/logs/                              protocol and message-tracking logs
/// &lt;data&gt;/run/                               control socket and pid file of a running service
/// </code>
/// </summary>
public sealed class DataDirectory
{
    public const string EnvironmentVariable = "MAILFLOW_DATA";

    /// <summary>The system-wide data directory: root's default, and the service account's.</summary>
    public const string SystemRoot = "/var/lib/mailflow";

    public DataDirectory(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string ConfigurationFile => Path.Combine(Root, "config.json");

    public string ConfigurationLockFile => Path.Combine(Root, ".config.lock");

    public string Certificates => Path.Combine(Root, "certificates");

    public string Trust => Path.Combine(Root, "trust");

    public string Queue => Path.Combine(Root, "queue");

    public string Mailboxes => Path.Combine(Root, "mailboxes");

    public string Logs => Path.Combine(Root, "logs");

    public string Run => Path.Combine(Root, "run");

    /// <summary>
    /// <c>--data DIR</c>, else <c>$MAILFLOW_DATA</c>, else <c>/var/lib/mailflow</c> for root and its owner, and
    /// <c>$XDG_DATA_HOME/mailflow</c> (default <c>~/.local/share/mailflow</c>) for everyone else.
    /// </summary>
    public static DataDirectory Resolve(string? commandLineValue, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(commandLineValue))
        {
            return new DataDirectory(commandLineValue);
        }

        var fromEnvironment = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new DataDirectory(fromEnvironment);
        }

        return new DataDirectory(DefaultRoot(environment));
    }

    public static string DefaultRoot(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        // The service account the package creates owns /var/lib/mailflow: it gets the same default as root.
        if (OperatingSystem.IsLinux() && (Security.ProcessIdentity.EffectiveUserId == 0 || Security.ProcessIdentity.OwnerOf(SystemRoot)?.UserId == Security.ProcessIdentity.EffectiveUserId))
        {
            return SystemRoot;
        }

        var xdg = environment("XDG_DATA_HOME");
        var baseDirectory = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(baseDirectory, "mailflow");
    }

    /// <summary>Creates the root and the folders every component expects, owner-only.</summary>
    public void EnsureCreated()
    {
        foreach (var directory in new[] { Root, Certificates, Trust, Queue, Mailboxes, Logs, Run })
        {
            DurableFile.EnsurePrivateDirectory(directory);
        }
    }
}
