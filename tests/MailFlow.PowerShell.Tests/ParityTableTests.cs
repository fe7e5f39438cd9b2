using System.Collections.Concurrent;
using System.Diagnostics;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;
using MailFlow.Testing;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// The applicable rows of docs/powershell-parity.md, each as the articles type it, in the pwsh tool against
/// a running `mailflow serve` that has received and delivered one message.
/// </summary>
public sealed class ParityTableTests(ServedServer served) : IClassFixture<ServedServer>
{
    public static TheoryData<string, string, string> Rows => new()
    {
        { "Get-ReceiveConnector -Server", "Get-ReceiveConnector -Server SERVER1 | ForEach-Object Identity", @"^SERVER1\\Default Frontend SERVER1$" },
        { "Get-ReceiveConnector -Server (FQDN)", "(Get-ReceiveConnector -Server SERVER1.domain.com).Count", "^1$" },
        { "Get-ReceiveConnector -Identity | fl", "Get-ReceiveConnector \"SERVER1\\Default Frontend SERVER1\" | fl TlsCertificateName,TlsDomainCapabilities | Out-String", @"TlsDomainCapabilities : \{\}" },
        { "Get-ExchangeCertificate -Server", "Get-ExchangeCertificate -Server SERVER1 | ForEach-Object Subject", "^CN=SERVER1$" },
        { "Get-ExchangeCertificate -Thumbprint", "$t = (Get-ExchangeCertificate)[0].Thumbprint; (Get-ExchangeCertificate -Thumbprint $t).Thumbprint -eq $t", "^True$" },
        { "Get-ExchangeCertificate -Thumbprint | fl", "$c = Get-ExchangeCertificate -Thumbprint (Get-ExchangeCertificate)[0].Thumbprint; \"<I>$($c.Issuer)<S>$($c.Subject)\"", "^<I>CN=SERVER1<S>CN=SERVER1$" },
        { "Get-SendConnector -Identity", "(Get-SendConnector -Identity 'Outbound to Office 365').Identity", "^Outbound to Office 365$" },
        { "Set-SendConnector -SmtpMaxMessagesPerConnection", "Set-SendConnector \"Outbound to Office 365\" -SmtpMaxMessagesPerConnection 2; (Get-SendConnector 'Outbound to Office 365').SmtpMaxMessagesPerConnection", "^2$" },
        { "Set-TransportService <server> -MaxPerDomainOutboundConnections", "Set-TransportService SERVER1 -MaxPerDomainOutboundConnections 40; (Get-TransportService).MaxPerDomainOutboundConnections", "^40$" },
        { "Get-MessageTrackingLog -Server -Start -End -Sender (reference example 1)", "@(Get-MessageTrackingLog -Server SERVER1 -Start \"03/13/2018 09:00:00\" -End \"03/15/2018 17:00:00\" -Sender \"john@contoso.com\").Count", "^0$" },
        { "Get-MessageTrackingLog -ResultSize Unlimited", "@(Get-MessageTrackingLog -ResultSize Unlimited -EventId DELIVER).Count", "^1$" },
        { "Get-MessageTrackingLog -ResultSize 1", "@(Get-MessageTrackingLog -ResultSize 1).Count", "^1$" },
        { "Get-MessageTrackingLog -Start/-End MM/dd/yyyy HH:mm", "$s = (Get-Date).AddHours(-1).ToString('MM/dd/yyyy HH:mm', [cultureinfo]::InvariantCulture); $e = (Get-Date).AddHours(1).ToString('MM/dd/yyyy HH:mm', [cultureinfo]::InvariantCulture); @(Get-MessageTrackingLog -Server SERVER1 -Start $s -End $e -EventId DELIVER -ResultSize Unlimited).Count", "^1$" },
        { "Get-MessageTrackingLog -Start in the future", "$s = (Get-Date).AddDays(1).ToString('MM/dd/yyyy h:mm tt', [cultureinfo]::InvariantCulture); @(Get-MessageTrackingLog -Start $s).Count", "^0$" },
        { "Get-MessageTrackingLog -Start (Get-Date).AddDays(-1)", "@(Get-MessageTrackingLog -Start (Get-Date).AddDays(-1) -End (Get-Date).AddMinutes(5) -EventId DELIVER).Count", "^1$" },
        { "Get-TransportService | Get-MessageTrackingLog", "@(Get-TransportService | Get-MessageTrackingLog -EventId DELIVER).Count", "^1$" },
        { "Get-Queue -Server", "@(Get-Queue -Server SERVER1).Count -ge 0", "^True$" },
        { "Get-TransportService SERVER1", "(Get-TransportService SERVER1).Name", "^SERVER1$" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Each_applicable_row_runs_as_the_article_types_it(string row, string script, string expected)
    {

        var (exit, output, errors) = await Pwsh.RunModuleScriptAsync(served.DataRoot, script);

        Assert.True(exit == 0, $"{row}: {errors}");
        Assert.Matches(expected, output.Trim());
    }

    [Theory]
    [InlineData("Get-ReceiveConnector -Server SERVER2")]
    [InlineData("Get-ExchangeCertificate -Server SERVER2")]
    [InlineData("Get-MessageTrackingLog -Server SERVER2")]
    [InlineData("Get-Queue -Server SERVER2")]
    [InlineData("Get-TransportService SERVER2")]
    [InlineData("Set-TransportService SERVER2 -MaxPerDomainOutboundConnections 40")]
    public async Task Another_servers_name_is_not_found_as_in_Exchange(string script)
    {

        // The message is printed whole: pwsh's error view wraps at the console width.
        var (_, output, errors) = await Pwsh.RunModuleScriptAsync(served.DataRoot, $"try {{ {script} }} catch {{ 'refused: ' + $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message }}");

        Assert.StartsWith("refused: ManagementObjectNotFound,MailFlow.PowerShell.Cmdlets.", output.Trim(), StringComparison.Ordinal);
        Assert.Contains("object 'SERVER2' couldn't be found: this MailFlow data directory is server SERVER1 (SERVER1.domain.com)", output, StringComparison.Ordinal);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_ResultSize_that_is_neither_a_number_nor_Unlimited_is_refused_by_value()
    {

        var (_, output, errors) = await Pwsh.RunModuleScriptAsync(served.DataRoot, "try { Get-MessageTrackingLog -ResultSize Lots } catch { 'refused: ' + $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message }");

        Assert.StartsWith("refused: InvalidArgument,", output.Trim(), StringComparison.Ordinal);
        Assert.Contains("-ResultSize \"Lots\" is not valid: expected a positive number or Unlimited", output, StringComparison.Ordinal);
        Assert.Empty(errors);
    }
}

/// <summary>SERVER1 served by the real executable for the whole table, after it received and delivered one message to user@domain.com.</summary>
public sealed class ServedServer : ServedFixture
{
    // The connector the Hybrid Configuration Wizard creates, which the articles' Set-SendConnector lines name.
    protected override Task BeforeStartAsync(DataDirectory data)
    {
        ServerAdministration.Open(data).Configuration.Update(c => c.SendConnectors.Add(new SendConnector { Name = "Outbound to Office 365", AddressSpaces = ["contoso.mail.onmicrosoft.com"] }));
        return Task.CompletedTask;
    }

    protected override async Task AfterStartAsync(DataDirectory data, int port, Process served)
    {
        var acknowledged = new ConcurrentDictionary<string, string>();
        await InboundLoad.SendOneAsync(port, "<parity@domain.com>", "user@domain.com", acknowledged, CancellationToken.None);
        Assert.True(acknowledged.ContainsKey("<parity@domain.com>"), ChildServer.OutputOf(served));
        var tracking = Path.Combine(data.Root, ServerAdministration.Open(data).Configuration.Load().Transport.MessageTrackingLogPath);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!InboundLoad.TrackingCounts(tracking).Keys.Any(k => k.EventId == "DELIVER"))
        {
            Assert.True(DateTime.UtcNow < deadline, "no DELIVER event within 30 s: " + ChildServer.OutputOf(served));
            await Task.Delay(100);
        }
    }
}
