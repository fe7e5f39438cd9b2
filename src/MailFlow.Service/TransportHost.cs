using System.Runtime.InteropServices;
using MailFlow.Configuration.Listening;
using MailFlow.Core.Diagnostics;
using MailFlow.Core.Security;
using MailFlow.Management;
using MailFlow.Smtp.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MailFlow.Service;

/// <summary>
/// `mailflow serve` on the generic host: SIGTERM/SIGINT stop it (sessions drained, logs flushed), SIGHUP
/// and the control channel restart it, and under systemd it reports readiness (Type=notify) once
/// every listener is bound. Started as root with an account to run as, it binds its listeners and then
/// gives root up for good before any session, parse or handshake runs.
/// </summary>
public static class TransportHost
{
    public static async Task RunAsync(ServerAdministration administration, TimeSpan drain, ServiceAccount? runAs, Action<TransportService> started, Action<Severity, string> log, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = drain + TimeSpan.FromSeconds(45));
        builder.Services.AddHostedService(_ => new Lifetime(administration, drain, runAs, started, log));
        using var host = builder.Build();
        await host.RunAsync(cancellationToken);
    }

    private sealed class Lifetime(ServerAdministration administration, TimeSpan drain, ServiceAccount? runAs, Action<TransportService> started, Action<Severity, string> log) : IHostedService
    {
        private TransportService? service;
        private ControlServer? control;
        private PrometheusEndpoint? metrics;
        private OpenTelemetryExport? telemetry;
        private PosixSignalRegistration? hangup;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            // Fixed now, while the process may still be root: restarts plan the same ports and find their sockets held.
            var lowestBindablePort = PrivilegedPorts.LowestBindablePort();
            var configuration = administration.Configuration.Load();
            var settings = configuration.Metrics;
            if (settings.OpenTelemetryEnabled)
            {
                // Before the transport starts, so the first session and the queue's first delivery are traced. Read
                // once, as the Prometheus endpoint: a restart (SIGHUP, control socket) keeps the export it began with.
                telemetry = OpenTelemetryExport.Start(settings, configuration.Server.Name);
                log(Severity.Info, $"OpenTelemetry: metrics and traces to {OpenTelemetryExport.Destination(settings)}");
            }

            var listeners = new ListenerSet();
            try
            {
                if (runAs is not null)
                {
                    SmtpReceiveServer.Bind(configuration, lowestBindablePort, listeners);
                    ProcessIdentity.DropTo(runAs);
                    log(Severity.Info, $"gave root up after binding {string.Join(", ", listeners.Endpoints)}: running as {runAs} with no supplementary groups");
                }

                service = TransportService.Start(administration, drain, lowestBindablePort, log, listeners);
            }
            catch
            {
                listeners.Dispose();
                telemetry?.Dispose();
                throw;
            }

            control = ControlServer.Start(administration.Data, service);
            var running = service;
            Core.Diagnostics.TransportMetrics.ObserveQueueWith(() => running.CountQueue());
            if (settings.PrometheusEnabled)
            {
                metrics = PrometheusEndpoint.Start(System.Net.IPEndPoint.Parse(settings.PrometheusEndpoint));
                log(Severity.Info, $"metrics: http://{settings.PrometheusEndpoint}/metrics");
            }

            hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
            {
                signal.Cancel = true;
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await running.RestartAsync("SIGHUP"); // logs its outcome, a refusal included
                    }
                    catch (Core.Errors.MailFlowException)
                    {
                        // Said by RestartAsync; the service runs on with the configuration it had.
                    }
#pragma warning disable CA1031 // a signal handler's task has no caller: whatever went wrong is said, never lost unobserved
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        log(Severity.Error, $"restart on SIGHUP failed: {ex.GetType().Name}: {ex.Message}");
                    }
                });
            });
            var account = ProcessIdentity.ForUserId(ProcessIdentity.UserId, ProcessIdentity.GroupId);
            log(Severity.Info, $"started: pid {Environment.ProcessId} as {account}, {running.Receive.Server.Listeners.Count} listener(s), configuration revision {running.Status().ConfigurationRevision}");
            started(service);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            log(Severity.Info, $"stopping: no new connections; open sessions have {drain.TotalSeconds:F0} s to finish");
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

            // Last, so the spans of attempts that finished while draining are flushed too.
            telemetry?.Dispose();
        }
    }
}
