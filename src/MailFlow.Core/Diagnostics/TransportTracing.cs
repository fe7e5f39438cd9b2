using System.Diagnostics;

namespace MailFlow.Core.Diagnostics;

/// <summary>
/// MailFlow's spans (ActivitySource "MailFlow", decision 0032): one "smtp receive" span per accepted
/// message, one "deliver" span per delivery attempt, all of one message in one trace. The receive
/// span's W3C traceparent travels with the message in its spool envelope, so an attempt made hours
/// later, or after a restart, is its child. Without a listener (the OpenTelemetry export off)
/// <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and nothing is allocated:
/// callers check <see cref="Activity.IsAllDataRequested"/> before they compute a tag.
/// </summary>
public static class TransportTracing
{
    public const string SourceName = "MailFlow";

    /// <summary>The span of one message from MAIL FROM to the 250 (or to the reply that refused it).</summary>
    public const string ReceiveSpan = "smtp receive";

    /// <summary>The span of one delivery attempt of one message on one route.</summary>
    public const string DeliverSpan = "deliver";

    // Attribute names. OpenTelemetry has no SMTP conventions (messaging.* describes brokers, whose
    // "message" is a broker record, not an RFC 5322 message), so the generic ones are used where they
    // exist (client.address, server.address, error.type) and MailFlow's own live under "mailflow.".
    public const string ClientAddress = "client.address";
    public const string ClientPort = "client.port";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ErrorType = "error.type";
    public const string NetworkPeerAddress = "network.peer.address";
    public const string Connector = "mailflow.connector";
    public const string MessageId = "mailflow.message.id";
    public const string InternalMessageId = "mailflow.message.internal_id";
    public const string NetworkMessageId = "mailflow.message.network_id";
    public const string RecipientCount = "mailflow.message.recipient_count";
    public const string Size = "mailflow.message.size";
    public const string Route = "mailflow.route";
    public const string NextHop = "mailflow.next_hop";
    public const string Outcome = "mailflow.outcome";
    public const string Attempt = "mailflow.delivery.attempt";
    public const string Status = "mailflow.smtp.status";
    public const string Delivered = "mailflow.recipients.delivered";
    public const string Deferred = "mailflow.recipients.deferred";
    public const string Failed = "mailflow.recipients.failed";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>
    /// Starts a receive span that does not become <see cref="Activity.Current"/>: a session's later work
    /// (the next transaction, the TLS handshake) must not inherit it as parent.
    /// </summary>
    public static Activity? StartReceive()
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        var activity = Source.StartActivity(ReceiveSpan, ActivityKind.Server, parentContext: default);
        Activity.Current = previous;
        return activity;
    }

    /// <summary>
    /// Starts a delivery attempt's span as the child of the receive span whose traceparent the message
    /// carries; a message received without one (before tracing was on) gets a trace of its own.
    /// </summary>
    public static Activity? StartDeliver(string? traceParent, ActivityKind kind, DateTimeOffset startTime = default)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        Activity.Current = null; // the dispatcher's context is no message's parent
        _ = ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent);
        var activity = Source.StartActivity(DeliverSpan, kind, parent, startTime: startTime);
        Activity.Current = previous;
        return activity;
    }

    /// <summary>
    /// Ends a delivery attempt's span with its outcome — delivered, deferred or failed, "mixed" when the
    /// recipients of one attempt fared differently (each count is a tag) — and the SMTP reply that
    /// decided it (the worst one's: a failure's, else a deferral's).
    /// </summary>
    public static void EndDeliver(Activity? activity, int delivered, int deferred, int failed, string status)
    {
        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            var outcome = (delivered > 0 ? 1 : 0) + (deferred > 0 ? 1 : 0) + (failed > 0 ? 1 : 0) > 1 ? "mixed"
                : failed > 0 ? "failed" : deferred > 0 ? "deferred" : "delivered";
            activity.SetTag(Outcome, outcome);
            activity.SetTag(Status, status);
            activity.SetTag(Delivered, delivered);
            activity.SetTag(Deferred, deferred);
            activity.SetTag(Failed, failed);
            if (failed + deferred > 0)
            {
                // error.type is low-cardinality by convention: the enhanced code, never the free text.
                activity.SetTag(ErrorType, EnhancedCode(status));
            }

            if (failed > 0)
            {
                activity.SetStatus(ActivityStatusCode.Error, status); // a deferral is the retry schedule working, not an error
            }
        }

        activity.Dispose();
    }

    /// <summary>"450 4.7.320 Certificate validation failed" → "4.7.320"; a reply without one → its basic code.</summary>
    public static string EnhancedCode(string status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var parts = status.Split(' ', 3);
        return parts.Length > 1 && parts[1].Count(c => c == '.') == 2 && char.IsDigit(parts[1][0]) ? parts[1] : parts[0];
    }
}
