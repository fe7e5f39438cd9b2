using MailFlow.Configuration.Model;
using MailFlow.Core.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MailFlow.Service;

/// <summary>
/// The opt-in OpenTelemetry export of `mailflow serve` (decision 0032): the "MailFlow" meter and the
/// "MailFlow" spans, pushed over OTLP/HTTP with protobuf to a collector. Only MailFlow's own meter and
/// source are exported, as with the Prometheus endpoint: no runtime or HTTP instrumentation. The OTLP
/// exporter's own HTTP requests are not traced (nothing listens to HttpClient's source), so exporting
/// never produces spans of itself.
/// </summary>
public sealed class OpenTelemetryExport : IDisposable
{
    /// <summary>service.name, unless OTEL_SERVICE_NAME says otherwise.</summary>
    public const string ServiceName = "mailflow";

    private readonly TracerProvider tracing;
    private readonly MeterProvider metrics;

    private OpenTelemetryExport(TracerProvider tracing, MeterProvider metrics)
    {
        this.tracing = tracing;
        this.metrics = metrics;
    }

    /// <summary>Where and how the export goes, as the start-up log line says it: the configured URL, or the environment's.</summary>
    public static string Destination(MetricsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var endpoint = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } fromEnvironment
            ? $"{fromEnvironment} (OTEL_EXPORTER_OTLP_ENDPOINT)"
            : settings.OtlpEndpoint;
        var protocol = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL") is { Length: > 0 } chosen ? chosen : "http/protobuf";
        return $"{endpoint} over OTLP {protocol}";
    }

    public static OpenTelemetryExport Start(MetricsSettings settings, string serverName)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Resource attributes in the semantic conventions' names (https://opentelemetry.io/docs/specs/semconv/resource/):
        // one MailFlow server is one service instance, named as Exchange names it. The environment detector
        // goes last, so OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override these, as the SDK specification says they should.
        var resource = ResourceBuilder.CreateEmpty()
            .AddService(ServiceName, serviceVersion: typeof(OpenTelemetryExport).Assembly.GetName().Version?.ToString(), serviceInstanceId: serverName, autoGenerateServiceInstanceId: false)
            .AddAttributes([new KeyValuePair<string, object>("host.name", serverName)])
            .AddTelemetrySdk()
            .AddEnvironmentVariableDetector();

        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(TransportTracing.SourceName)
            .AddOtlpExporter(o => Configure(o, settings, "v1/traces"))
            .Build();
        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(TransportMetrics.MeterName)
            .AddOtlpExporter(o => Configure(o, settings, "v1/metrics"))
            .Build();
        return new OpenTelemetryExport(tracing, metrics);
    }

    /// <summary>
    /// The configured endpoint unless the standard variables name one: with OTEL_EXPORTER_OTLP_ENDPOINT
    /// (or a signal's own OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / _METRICS_ENDPOINT) the SDK's reading of
    /// the environment stands, signal path included. A programmatic endpoint is used as given by the
    /// SDK, hence the signal's path appended here (https://opentelemetry.io/docs/specs/otel/protocol/exporter/).
    /// HTTP/protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL asks for another: the .NET SDK defaults to gRPC,
    /// collectors listen for both, and HTTP needs nothing the native executable lacks.
    /// </summary>
    private static void Configure(OtlpExporterOptions options, MetricsSettings settings, string signalPath)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL")))
        {
            options.Protocol = OtlpExportProtocol.HttpProtobuf;
        }

        var signal = signalPath == "v1/traces" ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(signal)))
        {
            options.Endpoint = new Uri(new Uri(settings.OtlpEndpoint.TrimEnd('/') + "/"), signalPath);
        }
    }

    /// <summary>Flushes what is buffered (spans batched for up to 5 s, the last metric values) and stops.</summary>
    public void Dispose()
    {
        tracing.Dispose();
        metrics.Dispose();
    }
}
