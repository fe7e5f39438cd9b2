using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;
using MailFlow.Management;
using MailFlow.Smtp.Server;
using MailFlow.Testing;

namespace MailFlow.Cli.Tests;

/// <summary>`mailflow serve` as a newcomer meets it: what it says at start and stop, and when its port is taken.</summary>
public sealed class ServeCliTests : IDisposable
{
    private const string Frontend = @"SERVER1\Default Frontend SERVER1";
    private readonly Cli cli = new();

    [Fact]
    public async Task A_second_serve_on_the_same_ports_names_the_connector_the_endpoint_and_how_to_move_it()
    {
        var (data, port) = ChildServer.Prepare(cli.Root);
        var first = await ChildServer.StartAsync(data);
        try
        {
            var second = cli.Run("serve");
            var whileRunning = cli.Run("connector", "receive", "set", Frontend, "--MaxMessageSize", "40MB");

            Assert.Equal(MailFlowCli.OperationFailed, second.ExitCode);
            Assert.Contains($"cannot listen on 127.0.0.1:{port} for {Frontend}: Address already in use", second.Error, StringComparison.Ordinal);
            Assert.Contains("a mailflow serve already running on this data directory", second.Error, StringComparison.Ordinal);
            Assert.Contains($"mailflow connector receive set \"{Frontend}\" --Bindings <address:port>   (configured: 127.0.0.1:{port})", second.Error, StringComparison.Ordinal);
            Assert.Contains("take effect when the transport restarts (mailflow service restart)", whileRunning.Error, StringComparison.Ordinal);
        }
        finally
        {
            await ChildServer.TerminateAsync(first);
        }
    }

    [Fact]
    public void A_taken_port_reached_through_the_unprivileged_offset_names_the_offset()
    {
        // The held port is reached from binding 127.0.0.1:100 through the offset, as 25 reaches 10025 without root.
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var held = ((IPEndPoint)holder.LocalEndpoint).Port;
        var administration = ServerAdministration.Open(new Core.Storage.DataDirectory(cli.Data), identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        var configuration = administration.Configuration.Load();
        configuration.ReceiveConnectors.RemoveAll(c => c.Name != "Default Frontend SERVER1");
        configuration.ReceiveConnectors[0].Bindings = ["127.0.0.1:100"];
        configuration.Listening.UnprivilegedPortOffset = held - 100;

        var refused = Assert.Throws<MailFlowException>(() => ReceiveService.Start(administration.Data, configuration, [], lowestBindablePort: 1024));

        Assert.Contains($"cannot listen on 127.0.0.1:{held} for {Frontend}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("(configured: 127.0.0.1:100)", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"ports below 1024 are moved up by Listening.UnprivilegedPortOffset ({held - 100}) in config.json", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_says_which_domains_it_takes_mail_for_and_when_it_stopped()
    {
        var (data, _) = ChildServer.Prepare(cli.Root);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "mailflow.dll"), "serve", "--data", data.Root })
        {
            start.ArgumentList.Add(arg);
        }

        using var server = Process.Start(start)!;
        var banner = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await server.StandardOutput.ReadLineAsync(timeout.Token) is { } line && line != "ready")
        {
            banner.Add(line);
        }

        var rest = server.StandardOutput.ReadToEndAsync();
        _ = server.StandardError.ReadToEndAsync();
        await ChildServer.TerminateAsync(server);

        Assert.Contains("accepted domains: domain.com (Authoritative, default)", banner);
        Assert.Contains("stopped: sessions drained, logs flushed", await rest, StringComparison.Ordinal);
    }

    [Fact]
    public void Connector_set_without_a_running_service_does_not_speak_of_a_restart()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");

        var set = cli.Run("connector", "receive", "set", Frontend, "--MaxMessageSize", "40MB");
        var transport = cli.Run("transport", "set", "--MessageExpirationTimeout", "1.00:00:00");

        Assert.Equal(0, set.ExitCode);
        Assert.DoesNotContain("restart", set.Error, StringComparison.Ordinal);
        Assert.Contains("take effect when the transport starts (no mailflow serve runs for", set.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("restart", transport.Error, StringComparison.Ordinal);
    }

    public void Dispose() => cli.Dispose();
}
