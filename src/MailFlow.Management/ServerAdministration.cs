using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Configuration;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;

namespace MailFlow.Management;

/// <summary>
/// Everything an admin operation needs for one data directory: the configuration, the certificate
/// store, the clock. The CLI and the PowerShell module both start here.
/// </summary>
public sealed class ServerAdministration
{
    private ServerAdministration(DataDirectory data, TimeProvider time)
    {
        Data = data;
        Time = time;
        Configuration = new ConfigurationStore(data);
        CertificateStore = new CertificateStore(data.Certificates);
    }

    public DataDirectory Data { get; }

    public TimeProvider Time { get; }

    public ConfigurationStore Configuration { get; }

    public CertificateStore CertificateStore { get; }

    /// <summary>What first use created, or null when the data directory already existed.</summary>
    public InitializationReport? Initialized { get; private set; }

    /// <summary>Opens a data directory, creating the embedded default on first use (unless <paramref name="initialize"/> is false).</summary>
    public static ServerAdministration Open(DataDirectory data, TimeProvider? time = null, bool initialize = true, ServerIdentity? identity = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var administration = new ServerAdministration(data, time ?? TimeProvider.System);
        if (initialize)
        {
            administration.Initialized = EmbeddedDefault.EnsureInitialized(administration, identity);
        }

        return administration;
    }

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>The roots validation trusts: the system's (if enabled) plus the configured extra root files.</summary>
    public TrustAnchors LoadTrustAnchors(MailFlowConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var files = configuration.Tls.AdditionalRootFiles.Select(f => Path.IsPathRooted(f) ? f : Path.Combine(Data.Root, f));
        return TrustAnchors.Load(configuration.Tls.UseSystemRoots, files);
    }
}
