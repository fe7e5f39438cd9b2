using System.Globalization;
using System.Net.Sockets;
using MailFlow.Smtp.Tests.Harness;
using MailFlow.Testing;
using Xunit.Abstractions;

namespace MailFlow.Smtp.Tests;

/// <summary>
/// What an idle, unauthenticated connection costs a running `mailflow serve`: resident memory of the
/// child process before and after 400 connections that got their banner and then said nothing.
/// </summary>
public sealed class IdleConnectionMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const int Connections = 400;
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task An_idle_connection_costs_at_most_64_KiB()
    {
        var (data, port) = ChildServer.Prepare(root, frontend => frontend.MaxInboundConnectionPerSource = Connections + 10);
        using var server = await ChildServer.StartAsync(data);
        var clients = new List<TcpClient>();
        try
        {
            await OpenAsync(port, 20, clients); // warm the session code paths first
            await Task.Delay(500);
            var before = ResidentKiB(server.Id);

            await OpenAsync(port, Connections, clients);
            await Task.Delay(1000);
            var after = ResidentKiB(server.Id);

            var perConnection = (after - before) * 1024.0 / Connections;
            output.WriteLine($"RSS {before} KiB -> {after} KiB for {Connections} idle connections: {perConnection / 1024:0.0} KiB each");
            Assert.True(perConnection <= 64 * 1024, $"an idle connection costs {perConnection / 1024:0.0} KiB");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    private static async Task OpenAsync(int port, int count, List<TcpClient> clients)
    {
        var buffer = new byte[512];
        for (var i = 0; i < count; i++)
        {
            var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            _ = await client.GetStream().ReadAsync(buffer); // the banner: the session is fully set up
            clients.Add(client);
        }
    }

    private static long ResidentKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
