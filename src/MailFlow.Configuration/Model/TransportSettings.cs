using MailFlow.Logs;

namespace MailFlow.Configuration.Model;

/// <summary>
/// Set-TransportService settings MailFlow honours. Defaults are the Mailbox-server values of
/// exchange-semantics.md §9.1; MessageRetryInterval follows the queue documentation (15 min) where the
/// cmdlet page says 5 min (docs/decisions/0006-retry-defaults.md).
/// </summary>
public sealed class TransportSettings
{
    public int QueueGlitchRetryCount { get; set; } = 4;

    public TimeSpan QueueGlitchRetryInterval { get; set; } = TimeSpan.FromMinutes(1);

    public int TransientFailureRetryCount { get; set; } = 6;

    public TimeSpan TransientFailureRetryInterval { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan OutboundConnectionFailureRetryInterval { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan MessageRetryInterval { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan MessageExpirationTimeout { get; set; } = TimeSpan.FromDays(2);

    public TimeSpan DelayNotificationTimeout { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Outbound SMTP connections open at once, over all destinations (Exchange default 1000).</summary>
    public int MaxOutboundConnections { get; set; } = 1000;

    /// <summary>Outbound SMTP connections open at once to one destination (Exchange default 20; HealthChecker suggests 40 for hybrid).</summary>
    public int MaxPerDomainOutboundConnections { get; set; } = 20;

    /// <summary>
    /// DNS servers (<c>ip</c> or <c>ip:port</c>) used by send connectors with UseExternalDNSServersEnabled;
    /// the others use the host's resolvers.
    /// </summary>
    public List<string> ExternalDNSServers { get; set; } = [];

    /// <summary>
    /// How many queued messages one delivery pass holds in memory at most (MailFlow's bound on the active
    /// set; the rest stay on disk until the next pass).
    /// </summary>
    public int MaxActiveMessages { get; set; } = 1000;

    /// <summary>Relative paths are under the data directory.</summary>
    public string ReceiveProtocolLogPath { get; set; } = "logs/ProtocolLog/SmtpReceive";

    public string SendProtocolLogPath { get; set; } = "logs/ProtocolLog/SmtpSend";

    public string MessageTrackingLogPath { get; set; } = "logs/MessageTracking";

    public long ProtocolLogMaxFileSize { get; set; } = 10L * 1024 * 1024;

    public long ProtocolLogMaxDirectorySize { get; set; } = 250L * 1024 * 1024;

    public TimeSpan ProtocolLogMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How protocol logs record certificates: the seed's multi-line form (Exchange 2013) or the 2016+ single line.</summary>
    public CertificateLogFormat ProtocolLogCertificateFormat { get; set; } = CertificateLogFormat.MultiLine;

    public long MessageTrackingLogMaxFileSize { get; set; } = 10L * 1024 * 1024;

    public long MessageTrackingLogMaxDirectorySize { get; set; } = 1000L * 1024 * 1024;

    public TimeSpan MessageTrackingLogMaxAge { get; set; } = TimeSpan.FromDays(30);
}
