using MailFlow.Diagnostics.RootCauses;
using MailFlow.Management;
using MailFlow.Testing;

namespace MailFlow.PowerShell.Tests;

/// <summary>Set-/New-/Get-ReceiveConnector -TlsDomainCapabilities in the pwsh tool, as the HCW and MailFlow's own fixes write it.</summary>
public sealed class TlsDomainCapabilitiesCmdletTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_RC20_fix_from_the_catalogue_runs_as_printed()
    {
        var (data, _) = ChildServer.Prepare(root);
        var fix = RootCauseCatalog.All["RC20"].Fix;
        var command = fix[..fix.IndexOf(", or ", StringComparison.Ordinal)].Replace("<SERVER>", "SERVER1", StringComparison.Ordinal);

        var (exit, output, errors) = await Pwsh.RunModuleScriptAsync(data.Root, $"""
            {command}
            Get-ReceiveConnector "SERVER1\Default Frontend SERVER1" | fl TlsDomainCapabilities
            """);

        Assert.True(exit == 0, errors);
        Assert.Matches(@"TlsDomainCapabilities : \{mail\.protection\.outlook\.com:AcceptCloudServicesMail\}", output);
        var administration = ServerAdministration.Open(data);
        Assert.Equal(["mail.protection.outlook.com:AcceptCloudServicesMail"], administration.Configuration.Load().ReceiveConnectors[0].TlsDomainCapabilities);
    }

    [Fact]
    public async Task Exchanges_multi_valued_syntax_works_on_New_and_Set_and_a_bad_entry_is_refused_by_value()
    {
        var (data, _) = ChildServer.Prepare(root);

        var (exit, output, errors) = await Pwsh.RunModuleScriptAsync(data.Root, """
            New-ReceiveConnector Partner -Bindings 0.0.0.0:2526 -TlsDomainCapabilities "contoso.com:AcceptOorgProtocol","fabrikam.com:AcceptOorgProtocol,AcceptOorgHeader" | Out-Null
            Set-ReceiveConnector "SERVER1\Default Frontend SERVER1" -TlsDomainCapabilities mail.protection.outlook.com:AcceptCloudServicesMail
            (Get-ReceiveConnector Partner).TlsDomainCapabilities -join '|'
            try { Set-ReceiveConnector Partner -TlsDomainCapabilities "contoso.com:AcceptEverything" } catch { "refused: " + $_.Exception.Message }
            (Get-ReceiveConnector Partner).TlsDomainCapabilities.Count
            """);

        Assert.True(exit == 0, errors);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("contoso.com:AcceptOorgProtocol|fabrikam.com:AcceptOorgProtocol,AcceptOorgHeader", lines[0]);
        Assert.StartsWith("refused: -TlsDomainCapabilities \"contoso.com:AcceptEverything\" is not valid", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"AcceptEverything\" is not a capability", lines[1], StringComparison.Ordinal);
        Assert.Equal("2", lines[2]);
    }

    public void Dispose()
    {
        if (Directory.Exists(root)) // a test that stops before preparing a server leaves nothing behind
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
