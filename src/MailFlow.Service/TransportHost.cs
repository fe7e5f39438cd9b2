using System.Runtime.InteropServices;
using MailFlow.Management;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MailFlow.Service;

/// <summary>
/// `mailflow serve` on the generic host: SIGTERM/SIGINT stop it (sessions drained, logs flushed), SIGHUP
/// and the control channel restart it, and under systemd it reports readiness (Type=notify) once
/// every listener is bound.
/// </summary>
public static class TransportHost
{
    public static async Task RunAsync(ServerAdministration administration, TimeSpan drain, Action<TransportService> started, Action<string> note, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = drain + TimeSpan.FromSeconds(45));
        builder.Services.AddHostedService(_ => new Lifetime(administration, drain, started, note));
        using var host = builder.Build();
        await host.RunAsync(cancellationToken);
    }

    private sealed class Lifetime(ServerAdministration administration, TimeSpan drain, Action<TransportService> started, Action<string> note) : IHostedService
    {
        private TransportService? service;
        private ControlServer? control;
        private PrometheusEndpoint? metrics;
        private PosixSignalRegistration? hangup;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            service = TransportService.Start(administration, drain, note: note);
            control = ControlServer.Start(administration.Data, service);
            var running = service;
            Core.Diagnostics.TransportMetrics.ObserveQueueWith(() => running.CountQueue());
            var settings = administration.Configuration.Load().Metrics;
            if (settings.PrometheusEnabled)
            {
                metrics = PrometheusEndpoint.Start(System.Net.IPEndPoint.Parse(settings.PrometheusEndpoint));
                note($"metrics: http://{settings.PrometheusEndpoint}/metrics");
            }

            hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
            {
                signal.Cancel = true;
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await running.RestartAsync();
                        note("restarted on SIGHUP");
                    }
                    catch (Core.Errors.MailFlowException ex)
                    {
                        note(ex.Message);
                    }
#pragma warning disable CA1031 // a signal handler's task has no caller: whatever went wrong is said, never lost unobserved
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        note($"restart on SIGHUP failed: {ex.GetType().Name}: {ex.Message}");
                    }
                });
            });
            started(service);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            hangup?.Dispose();
            metrics?.Dispose();
            Core.Diagnostics.TransportMetrics.ObserveQueueWith(null);
            if (control is not null)
            {
                await control.DisposeAsync();
            }

            if (service is not null)
            {
                await service.DisposeAsync();
            }
        }
    }
}
