using System.Text.Json;

namespace MailFlow.Cli.Tests;

public sealed class ExplainCliTests : IDisposable
{
    private const string Seed = "Reason: [{LED=450 4.7.320 Certificate validation failed};{MSG=SubjectMismatch};{FQDN=hybrid.domain.com};{IP=###.###.###.###};{LRT=4/14/2017 1:07:17 PM}]. OutboundProxyTargetIP: ###.###.###.###. OutboundProxyTargetHostName: hybrid.domain.com";
    private readonly Cli cli = new();

    [Fact]
    public void The_seed_reason_explains_to_RC01_with_the_fix_in_text_and_json()
    {
        var text = cli.Run("explain", Seed);
        var json = JsonDocument.Parse(cli.Run("explain", Seed, "--json").Out).RootElement;

        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Token                       : SubjectMismatch", text.Out, StringComparison.Ordinal);
        Assert.Contains("RC01 [High]", text.Out, StringComparison.Ordinal);
        Assert.Contains("Set-ReceiveConnector", text.Out, StringComparison.Ordinal);
        Assert.Equal("4.7.320", json.GetProperty("Reason").GetProperty("EnhancedCode").GetString());
        Assert.Equal("RC01", json.GetProperty("Candidates")[0].GetProperty("Cause").GetProperty("Id").GetString());
    }

    [Theory]
    [InlineData("the printer is on fire")]
    [InlineData("")]
    [InlineData("{{{[[[ LED= ]]]")]
    public void Text_with_nothing_to_explain_says_so_and_exits_1_not_a_crash(string text)
    {
        var result = cli.Run("explain", text);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no known code or token was recognised", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Out + result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => cli.Dispose();
}
