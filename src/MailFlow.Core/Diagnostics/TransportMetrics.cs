using System.Diagnostics.Metrics;

namespace MailFlow.Core.Diagnostics;

/// <summary>
/// MailFlow's System.Diagnostics.Metrics instruments (meter "MailFlow"). Any listener can read them
/// (dotnet-counters, OpenTelemetry); `mailflow serve` can also expose them for Prometheus.
/// </summary>
public static class TransportMetrics
{
    public const string MeterName = "MailFlow";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Sessions = Meter.CreateCounter<long>("smtp.sessions", description: "SMTP sessions accepted, by receive connector");
    private static readonly UpDownCounter<long> ActiveSessions = Meter.CreateUpDownCounter<long>("smtp.sessions.active", description: "SMTP sessions open now");
    private static readonly Counter<long> Received = Meter.CreateCounter<long>("messages.received", description: "Messages acknowledged with 250, by receive connector");
    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>("messages.delivered", description: "Recipients delivered, by route (maildir or smtp)");
    private static readonly Counter<long> Deferred = Meter.CreateCounter<long>("messages.deferred", description: "Recipients deferred, by enhanced status code");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("messages.failed", description: "Recipients failed for good, by enhanced status code");
    private static readonly Counter<long> TlsHandshakes = Meter.CreateCounter<long>("tls.handshakes", description: "TLS handshakes, by direction and outcome (success, or the failure)");
    private static Func<IEnumerable<KeyValuePair<string, long>>>? queueDepth;

    static TransportMetrics() =>
        Meter.CreateObservableGauge("queue.depth", ObserveQueue, description: "Messages in the queue, by state");

    public static void SessionStarted(string connector)
    {
        Sessions.Add(1, new KeyValuePair<string, object?>("connector", connector));
        ActiveSessions.Add(1);
    }

    public static void SessionEnded() => ActiveSessions.Add(-1);

    public static void MessageReceived(string connector) => Received.Add(1, new KeyValuePair<string, object?>("connector", connector));

    public static void RecipientsDelivered(int count, string route) => Delivered.Add(count, new KeyValuePair<string, object?>("route", route));

    public static void RecipientsDeferred(int count, string status) => Deferred.Add(count, new KeyValuePair<string, object?>("status", TransportTracing.EnhancedCode(status)));

    public static void RecipientsFailed(int count, string status) => Failed.Add(count, new KeyValuePair<string, object?>("status", TransportTracing.EnhancedCode(status)));

    public static void TlsHandshake(string direction, string outcome) =>
        TlsHandshakes.Add(1, new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>The running service says how to count its queue (state → messages); read at each collection.</summary>
    public static void ObserveQueueWith(Func<IEnumerable<KeyValuePair<string, long>>>? provider) => queueDepth = provider;

    private static IEnumerable<Measurement<long>> ObserveQueue() =>
        (queueDepth?.Invoke() ?? []).Select(s => new Measurement<long>(s.Value, new KeyValuePair<string, object?>("state", s.Key)));
}
