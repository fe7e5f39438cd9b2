using System.Diagnostics;
using MailFlow.Core.Storage;
using MailFlow.Testing;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// SERVER1 served by the real executable for a whole test class. A subclass prepares the data
/// directory before the server starts and may act on the running server before the first test.
/// </summary>
public abstract class ServedFixture : IAsyncLifetime
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private Process? server;

    public string DataRoot { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var (data, port) = ChildServer.Prepare(root);
        DataRoot = data.Root;
        await BeforeStartAsync(data);
        server = await ChildServer.StartAsync(data);
        await AfterStartAsync(data, port, server);
    }

    protected virtual Task BeforeStartAsync(DataDirectory data) => Task.CompletedTask;

    protected virtual Task AfterStartAsync(DataDirectory data, int port, Process served) => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await ChildServer.TerminateAsync(server);
            server.Dispose();
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
