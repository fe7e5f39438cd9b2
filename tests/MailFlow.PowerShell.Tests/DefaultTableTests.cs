using System.Diagnostics;
using MailFlow.Core.Storage;
using MailFlow.Testing;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// Each Get-* cmdlet with a table view, run with no Format-* in the pwsh tool against a running `mailflow serve`,
/// heads its table with the columns Exchange's default output shows, in Exchange's order.
/// </summary>
public sealed class DefaultTableTests(ServerWithQueuedMessage served) : IClassFixture<ServerWithQueuedMessage>
{
    /// <summary>
    /// Exchange's default columns, each from published output of the cmdlet (the source is the second value).
    /// Get-Message, Get-SendConnector, Get-AcceptedDomain and Get-TransportService are not here: no published
    /// default output of theirs was found (docs/powershell-parity.md, "Default tables").
    /// </summary>
    public static TheoryData<string, string, string[]> Columns => new()
    {
        { "Get-ReceiveConnector", "https://learn.microsoft.com/en-us/answers/questions/157776/exchange-500-error-only-on-receive-connectors-page", ["Identity", "Bindings", "Enabled"] },
        { "Get-ExchangeCertificate", "https://learn.microsoft.com/en-us/answers/questions/1434788/exchange-2019-cu12-how-to-import-new-ssl-certifica", ["Thumbprint", "Services", "Subject"] },
        { "Get-Mailbox", "https://learn.microsoft.com/en-us/answers/questions/119928/cannot-deleting-scp-on-hybrid-exchange-2010-2016", ["Name", "Alias", "ServerName", "ProhibitSendQuota"] },
        // Exchange 2010's columns; 2013 and later add Velocity, RiskLevel and OutboundIPPool, for which no published output was found.
        { "Get-Queue", "Exchange 2010 Get-Queue output quoted in a public Nagios check script (find_string \"Status MessageCount NextHopDomain\")", ["Identity", "DeliveryType", "Status", "MessageCount", "NextHopDomain"] },
        { "Get-MessageTrackingLog", "output quoted in two public scripts' help (find_string \"EventId  Source   Sender\")", ["EventId", "Source", "Sender", "Recipients", "MessageSubject"] },
    };

    [Theory]
    [MemberData(nameof(Columns))]
    public async Task Default_output_heads_the_table_with_Exchanges_columns(string cmdlet, string source, string[] exchange)
    {
        var (exit, output, errors) = await Pwsh.RunModuleScriptAsync(served.DataRoot, $"{cmdlet} | Out-String -Width 200");

        Assert.True(exit == 0, $"{cmdlet}: {errors}");
        var lines = output.Split('\n').Select(l => l.TrimEnd()).ToList();
        var rule = lines.FindIndex(l => l.Length > 0 && l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).All(w => w.All(c => c == '-')));
        Assert.True(rule > 0, $"{cmdlet} printed no table: {output}");
        Assert.True(exchange.SequenceEqual(lines[rule - 1].Split(' ', StringSplitOptions.RemoveEmptyEntries)), $"{cmdlet} (Exchange: {source}) headed its table \"{lines[rule - 1]}\"");
    }
}

/// <summary>SERVER1 served by the real executable, with one message deferred in a Retry queue and its tracking events.</summary>
public sealed class ServerWithQueuedMessage : ServedFixture
{
    protected override Task BeforeStartAsync(DataDirectory data) => DeferredMessage.SpoolAsync(data);
}
