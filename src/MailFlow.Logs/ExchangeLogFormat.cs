namespace MailFlow.Logs;

/// <summary>One kind of Exchange W3C-style CSV log: its header lines and file name prefix.</summary>
public sealed record ExchangeLogFormat(string LogType, string FilePrefix, string Version, IReadOnlyList<string> Fields)
{
    /// <summary>
    /// Tracking fields of Exchange 2016 and 2019 (DFIR-2023, 15.01.2375.007); Exchange 2013 writes the first
    /// 27, ending at custom-data (KT, 15.00.1104.000). Parsers of real logs key on this: 15.00 files lack
    /// the last three columns (decision 0022).
    /// </summary>
    private static readonly string[] TrackingFields =
    [
        "date-time", "client-ip", "client-hostname", "server-ip", "server-hostname", "source-context", "connector-id", "source", "event-id",
        "internal-message-id", "message-id", "network-message-id", "recipient-address", "recipient-status", "total-bytes", "recipient-count",
        "related-recipient-address", "reference", "message-subject", "sender-address", "return-path", "message-info", "directionality",
        "tenant-id", "original-client-ip", "original-server-ip", "custom-data", "transport-traffic-type", "log-id", "schema-version",
    ];

    /// <summary>
    /// SmtpReceive protocol log (exchange-semantics.md §3). Its #Version is 15.0.0.0 whatever the build:
    /// real 2013, 2016 and 2019 files all say so, unlike the tracking log (decision 0022).
    /// </summary>
    public static ExchangeLogFormat SmtpReceive { get; } = new("SMTP Receive Protocol Log", "RECV", "15.0.0.0", ProtocolFields);

    /// <summary>SmtpSend protocol log; #Version as <see cref="SmtpReceive"/>.</summary>
    public static ExchangeLogFormat SmtpSend { get; } = new("SMTP Send Protocol Log", "SEND", "15.0.0.0", ProtocolFields);

    /// <summary>Message tracking log of MailFlow's default version, Exchange 2016 (30 fields).</summary>
    public static ExchangeLogFormat MessageTracking { get; } = new("Message Tracking Log", "MSGTRK", "15.01.2375.007", TrackingFields);

    private static ExchangeLogFormat MessageTracking2013 { get; } = new("Message Tracking Log", "MSGTRK", "15.00.1104.000", TrackingFields[..27]);

    /// <summary>15.02.1118.007 is Exchange 2019 CU12's build as its own logs print it (a real Rps Http log header).</summary>
    private static ExchangeLogFormat MessageTracking2019 { get; } = new("Message Tracking Log", "MSGTRK", "15.02.1118.007", TrackingFields);

    private static string[] ProtocolFields =>
        ["date-time", "connector-id", "session-id", "sequence-number", "local-endpoint", "remote-endpoint", "event", "data", "context"];

    /// <summary>The message tracking log as the emulated Exchange version writes it: #Version, schema-version and #Fields.</summary>
    public static ExchangeLogFormat MessageTrackingFor(ExchangeVersion version) => version switch
    {
        ExchangeVersion.Exchange2013 => MessageTracking2013,
        ExchangeVersion.Exchange2016 => MessageTracking,
        ExchangeVersion.Exchange2019 => MessageTracking2019,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, null),
    };
}
