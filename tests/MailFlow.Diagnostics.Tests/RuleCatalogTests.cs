using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;
using MailFlow.Diagnostics.Rules;

namespace MailFlow.Diagnostics.Tests;

/// <summary>The catalogue lists every rule type of the assembly (found here by reflection, which tests may use), and the diagnoser settles their findings the same way for all of them.</summary>
public sealed class RuleCatalogTests
{
    [Fact]
    public void Every_rule_type_is_in_the_catalogue_once()
    {
        var types = typeof(IRootCauseRule).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRootCauseRule).IsAssignableFrom(t)).ToList();

        Assert.True(types.Count >= 20, $"{types.Count} rules");
        Assert.Equal(types.OrderBy(t => t.Name, StringComparer.Ordinal), RuleCatalog.All.Select(r => r.GetType()));
    }

    [Fact]
    public void Every_finding_on_the_corpus_names_a_catalogued_root_cause_and_carries_a_fix()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "???-*.txt"))
        {
            using var work = new TemporaryFolder();
            foreach (var finding in Diagnoser.Run(CorpusSample.Read(file).Request(work.Path)).Findings)
            {
                Assert.True(RootCauseCatalog.All.ContainsKey(finding.RootCause), $"{file}: {finding.RootCause}");
                Assert.NotEmpty(finding.Fix);
                Assert.NotEmpty(finding.Evidence);
            }
        }
    }

    [Fact]
    public void Two_equally_supported_causes_are_called_ambiguous_with_how_to_tell_them_apart()
    {
        // InvalidToken: the handshake broke; a protocol mismatch and SMTP inspection are equally likely from the reason.
        var explanation = ReasonExplainer.Explain("451 4.4.0 Primary target IP address responded with: \"451 4.4.0 Security status InvalidToken.\"");

        var note = Assert.Single(explanation.Notes, n => n.StartsWith("ambiguous:", StringComparison.Ordinal));
        Assert.Contains("RC11", note, StringComparison.Ordinal);
        Assert.Contains("RC12", note, StringComparison.Ordinal);
        Assert.Contains("to tell them apart", note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("451 4.4.0 TLS negotiation failed with error ConnectionReset")]
    [InlineData("451 4.4.0 TLS negotiation failed with error ConnectionAborted")]
    [InlineData("451 4.4.0 TLS negotiation failed with error UnexpectedMessage")]
    [InlineData("451 4.4.0 TLS negotiation failed with error TimedOut")]
    [InlineData("451 4.4.0 TLS negotiation failed with error SomethingNobodyDocumented")]
    [InlineData("450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS negotiation failed with error SocketError]")]
    public void Every_TLS_negotiation_failure_gets_a_ranked_list_with_what_would_confirm_each(string reason)
    {
        var candidates = ReasonExplainer.Explain(reason).Candidates;

        Assert.True(candidates.Count >= 2, $"{reason}: {candidates.Count} candidate(s)");
        Assert.All(candidates, c => Assert.NotEmpty(c.ConfirmWith));
        Assert.All(candidates.Take(2), c => Assert.Contains(c.Cause.Id, new[] { "RC10", "RC11", "RC12", "RC13", "RC21" }));
    }
}
