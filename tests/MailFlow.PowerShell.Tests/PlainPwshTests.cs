using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;
using MailFlow.Management.Control;
using MailFlow.Testing;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// The module as an admin uses it: `Import-Module MailFlow.psd1` in the pwsh 7.6.9 tool, a separate process
/// that knows nothing of the test host's deps.json (the in-process ModuleHost does, and so hides what pwsh lacks).
/// </summary>
public sealed class PlainPwshTests : IDisposable
{
    private static readonly string Manifest = Path.Combine(AppContext.BaseDirectory, "MailFlow.psd1");

    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    /// <summary>
    /// The queue cmdlets open the queue's SQLite database, whose e_sqlite3 sits under the module's
    /// runtimes/&lt;rid&gt;/native folder, where pwsh alone does not look.
    /// </summary>
    [Fact]
    public async Task Queue_cmdlets_load_the_native_SQLite_library_in_a_plain_pwsh()
    {
        var data = await DeferredMessageAsync();
        var result = await Pwsh.RunAsync($"""
            $ErrorActionPreference = 'Stop'
            Import-Module '{Manifest}'
            $env:MAILFLOW_DATA = '{data.Root}'
            Get-Queue | Format-Table Identity,Status,MessageCount | Out-String -Width 200
            Get-Queue | Retry-Queue -Verbose 4>&1
            Get-Message | Format-List FromAddress,Queue | Out-String -Width 200
            """, root);

        Assert.True(result.ExitCode == 0, result.Errors + result.Output);
        Assert.Matches(@"SERVER1\\Dead end\s+Retry\s+1", result.Output);
        Assert.Contains("1 message(s) are due now", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"FromAddress\s*:\s*alice@domain\.com", result.Output);
    }

    /// <summary>
    /// The NoCredentials article's line as it types it (lower case and all), and -ResultSize on Get-Message;
    /// a size that is no size is refused by value.
    /// </summary>
    [Fact]
    public async Task Get_Queue_ResultSize_unlimited_piped_to_retry_queue_runs_as_the_article_types_it()
    {
        var data = await DeferredMessageAsync();
        var result = await Pwsh.RunAsync($$"""
            $ErrorActionPreference = 'Stop'
            Import-Module '{{Manifest}}'
            $env:MAILFLOW_DATA = '{{data.Root}}'
            Get-Queue -ResultSize unlimited | where {$_.status -eq 'retry'} | retry-queue -Verbose 4>&1
            'messages: ' + @(Get-Message -ResultSize 1).Count
            try { Get-Queue -ResultSize 0 } catch { 'refused: ' + $_.Exception.Message }
            """, root);

        Assert.True(result.ExitCode == 0, result.Errors + result.Output);
        Assert.Contains("1 message(s) are due now", result.Output, StringComparison.Ordinal);
        Assert.Contains("messages: 1", result.Output, StringComparison.Ordinal);
        Assert.Contains("refused: -ResultSize \"0\" is not valid: expected a positive number or Unlimited", result.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Exchange's Retry-Queue has a verb PowerShell does not approve; as an alias of Invoke-QueueRetry it
    /// imports without the unapproved-verb warning, and every name the manifest exports still resolves.
    /// </summary>
    [Fact]
    public async Task Import_Module_is_silent_and_every_exported_name_resolves()
    {
        var result = await Pwsh.RunAsync($$"""
            Import-Module '{{Manifest}}' *>&1 | Out-String
            $manifest = Import-PowerShellDataFile '{{Manifest}}'
            foreach ($name in $manifest.CmdletsToExport + $manifest.FunctionsToExport + $manifest.AliasesToExport) {
                if (-not (Get-Command $name -Module MailFlow -ErrorAction Ignore)) { "missing: $name" }
            }
            (Get-Command Retry-Queue).ResolvedCommand.Name
            """, root);

        Assert.True(result.ExitCode == 0, result.Errors);
        Assert.Empty(result.Errors);
        Assert.Equal("Invoke-QueueRetry", result.Output.Trim());
    }

    /// <summary>
    /// "Bounced the transport service": Restart-Service with either Exchange transport service name restarts
    /// the running `mailflow serve`, and any other name is not swallowed (on Linux: refused, naming systemctl).
    /// </summary>
    [Fact]
    public async Task Restart_Service_with_Exchanges_transport_names_restarts_mailflow_serve()
    {
        var (data, _) = ChildServer.Prepare(root);
        using var server = await ChildServer.StartAsync(data);
        try
        {
            var result = await Pwsh.RunAsync($"""
                Import-Module '{Manifest}'
                $env:MAILFLOW_DATA = '{data.Root}'
                Restart-Service MSExchangeFrontEndTransport
                (Restart-Service MSExchangeTransport -PassThru).Restarts
                Restart-Service Spooler -ErrorAction SilentlyContinue -ErrorVariable refused
                "refused: $($refused.Exception.Message)"
                """, root);

            Assert.True(result.ExitCode == 0, result.Errors + result.Output);
            var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal("2", lines[0]);
            Assert.StartsWith("refused: ", lines[1], StringComparison.Ordinal);
            Assert.Contains("'Spooler'", lines[1], StringComparison.Ordinal);
            Assert.Equal(2, new ServiceCommands(ServerAdministration.Open(data)).Status().Restarts);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    /// <summary>SERVER1 with one message to an unreachable smart host, deferred once: a Retry queue of one.</summary>
    private async Task<DataDirectory> DeferredMessageAsync()
    {
        var data = new DataDirectory(Path.Combine(root, "data"));
        ServerAdministration.Open(data, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        await DeferredMessage.SpoolAsync(data);
        return data;
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
