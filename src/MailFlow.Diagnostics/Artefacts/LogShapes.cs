using System.Text.RegularExpressions;
using MailFlow.Logs;

namespace MailFlow.Diagnostics.Artefacts;

/// <summary>A field set recognised from the shape of a row, for pastes that lost their <c>#Fields</c> header.</summary>
public sealed record InferredShape(IReadOnlyList<string> Fields, string? LogType, string Description);

/// <summary>
/// Recognises Exchange log rows by their shape (exchange-semantics.md §3.3, §4.2): a protocol row has an
/// ISO time, a sequence number in the fourth field and an event sign (+ - &gt; &lt; *) in the seventh; a
/// message-tracking row has an ISO time and a known event-id in the ninth field (or source in the eighth).
/// </summary>
public static partial class LogShapes
{
    private static readonly HashSet<string> TrackingEvents = new(StringComparer.OrdinalIgnoreCase)
    {
        "AGENTINFO", "BADMAIL", "CLIENTSUBMISSION", "DEFER", "DELIVER", "DELIVERFAIL", "DROP", "DSN", "DUPLICATEDELIVER", "DUPLICATEEXPAND", "DUPLICATEREDIRECT", "EXPAND", "FAIL",
        "HADISCARD", "HARECEIVE", "HAREDIRECT", "HAREDIRECTFAIL", "INITMESSAGECREATED", "LOAD", "MODERATIONEXPIRE", "MODERATORAPPROVE", "MODERATORREJECT", "MODERATORSALLNDR",
        "NOTIFYMAPI", "NOTIFYSHADOW", "POISONMESSAGE", "PROCESS", "PROCESSMEETINGMESSAGE", "RECEIVE", "REDIRECT", "RESOLVE", "RESUBMIT", "RESUBMITDEFER", "RESUBMITFAIL", "SEND",
        "SUBMIT", "SUBMITDEFER", "SUBMITFAIL", "SUPPRESSED", "THROTTLE", "TRANSFER",
    };

    private static readonly HashSet<string> TrackingSources = new(StringComparer.OrdinalIgnoreCase)
    {
        "ADMIN", "AGENT", "APPROVAL", "BOOTLOADER", "DNS", "DSN", "GATEWAY", "MAILBOXRULE", "MEETINGMESSAGEPROCESSOR", "ORAR", "PICKUP", "POISONMESSAGE", "PUBLICFOLDER", "QUEUE",
        "REDUNDANCY", "RESOLVER", "ROUTING", "SAFETYNET", "SMTP", "STOREDRIVER",
    };

    /// <summary>Exchange 2013's 27 tracking fields: 2016/2019's 30 without the last three.</summary>
    private static readonly IReadOnlyList<string> Tracking2013 = ExchangeLogFormat.MessageTracking.Fields.Take(27).ToArray();

    /// <summary>Exchange 2010's 26: 2013's without network-message-id.</summary>
    private static readonly IReadOnlyList<string> Tracking2010 = Tracking2013.Where(f => f != "network-message-id").ToArray();

    /// <summary>True when the text starts like a row: an ISO 8601 UTC time followed by a comma.</summary>
    public static bool StartsLikeRow(string text) => RowTime().IsMatch(text);

    /// <summary>The field set this row's shape implies, or null when it looks like no Exchange log row.</summary>
    public static InferredShape? Infer(IReadOnlyList<string> values)
    {
        if (values.Count == 0 || !IsTime(values[0]))
        {
            return null;
        }

        if (values.Count is >= 7 and <= 12 && long.TryParse(values[3], out _) && values[6].Trim() is "+" or "-" or ">" or "<" or "*")
        {
            return new InferredShape(ExchangeLogFormat.SmtpReceive.Fields, null, "protocol-log fields");
        }

        var tracking = (values.Count > 8 && TrackingEvents.Contains(values[8])) || (values.Count > 7 && TrackingSources.Contains(values[7]));
        if (!tracking || values.Count < 20)
        {
            return null;
        }

        // The count tells the version; a shorter row (published truncated) is read with the 2013 list, which the others extend.
        return values.Count >= 30 ? new InferredShape(ExchangeLogFormat.MessageTracking.Fields, ExchangeLogFormat.MessageTracking.LogType, "Exchange 2016/2019 message-tracking fields")
            : values.Count == 26 && !LooksLikeGuid(values[11]) ? new InferredShape(Tracking2010, ExchangeLogFormat.MessageTracking.LogType, "Exchange 2010 message-tracking fields")
            : new InferredShape(Tracking2013, ExchangeLogFormat.MessageTracking.LogType, "Exchange 2013 message-tracking fields");
    }

    /// <summary>
    /// Which side wrote a protocol row, when the row says: SmtpReceive logs the server's replies as
    /// <c>&gt;</c> and the client's commands as <c>&lt;</c>; SmtpSend the other way round. Null when the row
    /// (a connect, a certificate record) does not tell.
    /// </summary>
    public static string? ProtocolDirection(IReadOnlyList<string> values)
    {
        if (values.Count < 8)
        {
            return null;
        }

        var data = values[7].TrimStart();
        var reply = ReplyCode().IsMatch(data);
        var command = Command().IsMatch(data);
        var context = values.Count > 8 ? values[8] : string.Empty;
        return values[6].Trim() switch
        {
            ">" when reply => ExchangeLogFormat.SmtpReceive.LogType,
            "<" when command => ExchangeLogFormat.SmtpReceive.LogType,
            "<" when reply => ExchangeLogFormat.SmtpSend.LogType,
            ">" when command => ExchangeLogFormat.SmtpSend.LogType,
            "*" when context.StartsWith("Remote certificate", StringComparison.OrdinalIgnoreCase) || context.StartsWith("Received certificate", StringComparison.OrdinalIgnoreCase) => ExchangeLogFormat.SmtpSend.LogType,
            _ => null,
        };
    }

    public static bool IsTime(string value) => TimeOnly().IsMatch(value.Trim());

    private static bool LooksLikeGuid(string value) => Guid.TryParse(value, out _);

    [GeneratedRegex(@"^\uFEFF?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z,")]
    private static partial Regex RowTime();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")]
    private static partial Regex TimeOnly();

    [GeneratedRegex(@"^[2-5]\d\d([ -]|$)")]
    private static partial Regex ReplyCode();

    [GeneratedRegex(@"^(EHLO|HELO|STARTTLS|MAIL FROM|RCPT TO|DATA|QUIT|AUTH|RSET|NOOP|BDAT|XEXCH50|X-ANONYMOUSTLS|XPROXY)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Command();
}
