namespace MailFlow.Configuration.Model;

/// <summary>
/// The opt-in telemetry of `mailflow serve`, both off by default: the Prometheus endpoint (loopback by
/// default when on), and OpenTelemetry export of the same meter plus a trace per message (decision 0032).
/// </summary>
public sealed class MetricsSettings
{
    public bool PrometheusEnabled { get; set; }

    /// <summary><c>ip:port</c> the endpoint listens on; it serves <c>/metrics</c>.</summary>
    public string PrometheusEndpoint { get; set; } = "127.0.0.1:9464";

    /// <summary>Exports the "MailFlow" meter and the "MailFlow" spans over OTLP/HTTP with protobuf.</summary>
    public bool OpenTelemetryEnabled { get; set; }

    /// <summary>
    /// The collector's base URL; <c>/v1/traces</c> and <c>/v1/metrics</c> are appended (the OTLP/HTTP
    /// paths, https://opentelemetry.io/docs/specs/otlp/#otlphttp-request). OTEL_EXPORTER_OTLP_ENDPOINT
    /// in the environment takes precedence, as the OpenTelemetry SDK specification has it.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "http://127.0.0.1:4318";
}
