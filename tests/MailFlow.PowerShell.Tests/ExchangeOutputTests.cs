using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;

namespace MailFlow.PowerShell.Tests;

/// <summary>Values shown as Exchange's cmdlets show them.</summary>
public sealed class ExchangeOutputTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void MaxMessageSize_reads_as_Exchanges_ByteQuantifiedSize()
    {
        var data = new DataDirectory(Path.Combine(root, "data"));
        ServerAdministration.Open(data, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        using var shell = new ModuleHost(data.Root);

        var shown = shell.Run("""
            $c = Get-ReceiveConnector "SERVER1\Default Frontend SERVER1"
            $c | Format-List MaxMessageSize | Out-String
            $c.MaxMessageSize.ToBytes()
            """);

        Assert.Empty(shown.Errors);
        Assert.Contains("MaxMessageSize : 36 MB (37,748,736 bytes)", shown.Text, StringComparison.Ordinal);
        Assert.Equal("37748736", shown.Output[^1].ToString());
    }

    [Theory]
    [InlineData(500L, "500 B (500 bytes)")]
    [InlineData(65_536L, "64 KB (65,536 bytes)")]
    [InlineData(37_748_736L, "36 MB (37,748,736 bytes)")]
    [InlineData(10_485_760L + 524_288L, "10.5 MB (11,010,048 bytes)")]
    [InlineData(2_147_483_647L, "1.999 GB (2,147,483,647 bytes)")]
    public void Sizes_take_the_largest_unit_they_reach(long bytes, string expected) =>
        Assert.Equal(expected, new ByteQuantifiedSize(bytes).ToString());

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
