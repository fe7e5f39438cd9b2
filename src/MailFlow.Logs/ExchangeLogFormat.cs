namespace MailFlow.Logs;

/// <summary>One kind of Exchange W3C-style CSV log: its header lines and file name prefix.</summary>
public sealed record ExchangeLogFormat(string LogType, string FilePrefix, string Version, IReadOnlyList<string> Fields)
{
    /// <summary>SmtpReceive protocol log (exchange-semantics.md §3).</summary>
    public static ExchangeLogFormat SmtpReceive { get; } = new("SMTP Receive Protocol Log", "RECV", "15.0.0.0", ProtocolFields);

    /// <summary>SmtpSend protocol log.</summary>
    public static ExchangeLogFormat SmtpSend { get; } = new("SMTP Send Protocol Log", "SEND", "15.0.0.0", ProtocolFields);

    /// <summary>Message tracking log, Exchange 2016/2019 layout (30 fields).</summary>
    public static ExchangeLogFormat MessageTracking { get; } = new("Message Tracking Log", "MSGTRK", "15.01.2375.007",
    [
        "date-time", "client-ip", "client-hostname", "server-ip", "server-hostname", "source-context", "connector-id", "source", "event-id",
        "internal-message-id", "message-id", "network-message-id", "recipient-address", "recipient-status", "total-bytes", "recipient-count",
        "related-recipient-address", "reference", "message-subject", "sender-address", "return-path", "message-info", "directionality",
        "tenant-id", "original-client-ip", "original-server-ip", "custom-data", "transport-traffic-type", "log-id", "schema-version",
    ]);

    private static string[] ProtocolFields =>
        ["date-time", "connector-id", "session-id", "sequence-number", "local-endpoint", "remote-endpoint", "event", "data", "context"];
}
