namespace MailFlow.Configuration.Model;

/// <summary>The opt-in Prometheus endpoint of `mailflow serve` (off by default; loopback by default when on).</summary>
public sealed class MetricsSettings
{
    public bool PrometheusEnabled { get; set; }

    /// <summary><c>ip:port</c> the endpoint listens on; it serves <c>/metrics</c>.</summary>
    public string PrometheusEndpoint { get; set; } = "127.0.0.1:9464";
}
