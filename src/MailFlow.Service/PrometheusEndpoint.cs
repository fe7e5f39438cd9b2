using System.Net;
using MailFlow.Core.Diagnostics;
using Prometheus;

namespace MailFlow.Service;

/// <summary>
/// Serves MailFlow's meter (<see cref="TransportMetrics"/>) at <c>http://ip:port/metrics</c> in
/// Prometheus' text format with prometheus-net. Only the MailFlow meter is exported: no runtime
/// counters leak host details to whoever can reach the port.
/// </summary>
public sealed class PrometheusEndpoint : IDisposable
{
    private readonly MetricServer server;
    private readonly IDisposable adapter;

    private PrometheusEndpoint(MetricServer server, IDisposable adapter)
    {
        this.server = server;
        this.adapter = adapter;
    }

    public static PrometheusEndpoint Start(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var registry = Metrics.NewCustomRegistry();
        var adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = registry,
            MetricFactory = Metrics.WithCustomRegistry(registry),
            InstrumentFilterPredicate = instrument => instrument.Meter.Name == TransportMetrics.MeterName,
        });
        var server = new MetricServer(endpoint.Address.ToString(), endpoint.Port, registry: registry);
        try
        {
            server.Start();
        }
        catch (HttpListenerException ex)
        {
            adapter.Dispose();
            throw new Core.Errors.MailFlowException($"cannot serve metrics on {endpoint}: {ex.Message}", ex);
        }

        return new PrometheusEndpoint(server, adapter);
    }

    public void Dispose()
    {
        server.Dispose();
        adapter.Dispose();
    }
}
