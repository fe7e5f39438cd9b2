namespace MailFlow.Core.Diagnostics;

/// <summary>How much an operational message matters, numbered as syslog numbers them (RFC 5424 section 6.2.1), which is what the journal keeps.</summary>
public enum Severity
{
    Error = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
}
