using System.Diagnostics;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;

namespace MailFlow.Testing;

/// <summary>The real `mailflow serve` executable as a child process, for tests that kill it or measure it.</summary>
public static class ChildServer
{
    /// <summary>SERVER1's data directory with only Default Frontend, on a free loopback port.</summary>
    public static (DataDirectory Data, int Port) Prepare(string root, Action<ReceiveConnector>? tune = null)
    {
        var data = new DataDirectory(Path.Combine(root, "data"));
        var port = Ports.Free();
        var administration = ServerAdministration.Open(data, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        administration.Configuration.Update(c =>
        {
            c.ReceiveConnectors.RemoveAll(r => r.Name != "Default Frontend SERVER1");
            c.ReceiveConnectors[0].Bindings = [$"127.0.0.1:{port}"];
            tune?.Invoke(c.ReceiveConnectors[0]);
        });

        // The tests send to user@domain.com; local delivery goes only to mailboxes that exist.
        new Management.Recipients.MailboxCommands(administration).New("user@domain.com", "User");
        return (data, port);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, System.Text.StringBuilder> Outputs = new();

    /// <summary>What a server started here printed after "ready" (its notes: restarts, refusals, delivery errors), for failure messages.</summary>
    public static string OutputOf(Process server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!Outputs.TryGetValue(server.Id, out var output))
        {
            return string.Empty;
        }

        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task CollectAsync(StreamReader reader, System.Text.StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    /// <summary>SIGTERM, the way an init system stops the service (sessions drained, logs flushed), and waits for the exit.</summary>
    public static async Task TerminateAsync(Process server)
    {
        ArgumentNullException.ThrowIfNull(server);
        using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Starts `mailflow serve` and returns once it printed "ready". <paramref name="launcher"/> runs it
    /// through another program first (e.g. setpriv, as a service manager would); <paramref name="application"/>
    /// is the folder with mailflow.dll (default: the test's own output); <paramref name="environment"/> adds
    /// variables to the child's environment (e.g. the OpenTelemetry SDK's OTEL_*).
    /// </summary>
    public static async Task<Process> StartAsync(DataDirectory data, IReadOnlyList<string>? launcher = null, string? application = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var command = (launcher ?? []).Concat(["dotnet", Path.Combine(application ?? AppContext.BaseDirectory, "mailflow.dll"), "serve", "--data", data.Root]).ToList();
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "ready")
            {
                var output = Outputs.GetOrAdd(process.Id, _ => new System.Text.StringBuilder());
                _ = CollectAsync(process.StandardOutput, output);
                _ = CollectAsync(process.StandardError, output);
                return process;
            }
        }

        throw new InvalidOperationException("mailflow serve did not start: " + await process.StandardError.ReadToEndAsync());
    }
}
