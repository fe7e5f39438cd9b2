using CsCheck;
using MailFlow.Diagnostics.Reasons;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Tests;

public sealed class ReasonParserTests
{
    [Fact]
    public void The_seed_reason_is_parsed_item_by_item_with_the_redactions_named()
    {
        var reason = ReasonParser.Parse(PublicSamples.S01);

        Assert.Equal(ReasonFormat.ExchangeOnlineBrace, reason.Format);
        Assert.Equal(450, reason.SmtpCode);
        Assert.Equal("4.7.320", reason.EnhancedCode);
        Assert.Equal("Certificate validation failed", reason.Text);
        Assert.Equal("SubjectMismatch", reason.Token);
        Assert.Equal("hybrid.domain.com", reason.TargetHost);
        Assert.Null(reason.TargetAddress);
        Assert.Equal("4/14/2017 1:07:17 PM", reason.LastRetryTime);
        Assert.Equal("hybrid.domain.com", reason.OutboundProxyTargetHostName);
        Assert.Equal(["IP", "OutboundProxyTargetIP"], reason.Redacted);
        Assert.False(reason.Truncated);
        Assert.Empty(reason.Unparsed);
    }

    [Fact]
    public void The_seed_reason_explains_as_RC01_first()
    {
        var explanation = ReasonExplainer.Explain(PublicSamples.S01);

        Assert.Equal("RC01", explanation.Candidates[0].Cause.Id);
        Assert.Equal(Confidence.High, explanation.Candidates[0].Confidence);
        Assert.Contains("Set-ReceiveConnector", explanation.Candidates[0].Cause.Fix, StringComparison.Ordinal);
        Assert.Contains(explanation.Candidates, c => c.Cause.Id == "RC02");
        Assert.Contains("Certificate validation failed", Assert.Single(explanation.Codes).Meaning, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bracket_format_yields_expected_and_presented_subject_thumbprint_and_last_attempt()
    {
        const string text = "Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch Expected Subject: hybrid.domain.com. Presented Subject: CN=SERVER1. Thumbprint: 0A1B2C3D4E5F60718293A4B5C6D7E8F901234567.] [LastAttemptedServerName=hybrid.domain.com] [LastAttemptedIP=203.0.113.25:25] [SmtpSecurity=-2;-5] [AM4PEPF00027A6C.eurprd04.prod.outlook.com 2024-05-02T10:15:31.123Z 08DC6A1B2C3D4E5F]};{MSG=SubjectMismatch};{FQDN=hybrid.domain.com};{IP=203.0.113.25};{LRT=5/2/2024 10:15:31 AM}]";

        var reason = ReasonParser.Parse(text);

        Assert.Equal("4.4.317", reason.EnhancedCode);
        Assert.Equal("Cannot connect to remote server", reason.Text);
        Assert.Equal("SubjectMismatch", reason.Token);
        Assert.Equal("hybrid.domain.com", reason.ExpectedSubject);
        Assert.Equal("CN=SERVER1", reason.PresentedSubject);
        Assert.Equal("0A1B2C3D4E5F60718293A4B5C6D7E8F901234567", reason.Thumbprint);
        Assert.Equal("203.0.113.25", reason.TargetAddress);
        Assert.Equal("-2;-5", reason.SmtpSecurity);
        Assert.StartsWith("AM4PEPF00027A6C.eurprd04.prod.outlook.com", reason.ExchangeOnlineServer, StringComparison.Ordinal);
        Assert.Equal("RC01", ReasonExplainer.Explain(text).Candidates[0].Cause.Id);
    }

    [Fact]
    public void A_stale_TlsCertificateName_is_recognised_from_the_nested_replies_and_from_event_12014()
    {
        var validation = ReasonParser.Parse(PublicSamples.S08Validation);
        Assert.Equal("4.4.101", validation.EnhancedCode);
        Assert.Equal("4.4.0", validation.Nested?.EnhancedCode);
        Assert.Equal("5.7.3", validation.InnermostEnhancedCode);
        Assert.Equal("RC03", ReasonExplainer.Explain(PublicSamples.S08Validation).Candidates[0].Cause.Id);

        var eventText = ReasonExplainer.Explain(PublicSamples.S08Event);
        Assert.Equal(ReasonFormat.EventText, eventText.Reason.Format);
        Assert.Equal("RC03", eventText.Candidates[0].Cause.Id);
    }

    [Theory]
    [InlineData(PublicSamples.S21SendConnector, "RC04")]
    [InlineData(PublicSamples.S21NoCredentials, "RC04")]
    [InlineData(PublicSamples.S10Queue, "RC12")]
    [InlineData(PublicSamples.S10StartTls, "RC12")]
    [InlineData(PublicSamples.S11, "RC20")]
    [InlineData(PublicSamples.S16Refused, "RC21")]
    [InlineData(PublicSamples.S16UntrustedRoot, "RC06")]
    [InlineData(PublicSamples.S16Expired, "RC22")]
    [InlineData(PublicSamples.Wrapper, "RC03")]
    [InlineData(PublicSamples.RmilnePrefix, "RC21")]
    [InlineData("550 5.7.64 TenantAttribution; Relay Access Denied", "RC16")]
    [InlineData("450 4.4.318 Connection was closed abruptly", "RC11")]
    public void Each_public_sample_ranks_its_root_cause_first(string text, string expected)
    {
        var explanation = ReasonExplainer.Explain(text);

        Assert.True(explanation.Candidates.Count > 0, $"no candidate for {text}");
        Assert.Equal(expected, explanation.Candidates[0].Cause.Id);
    }

    [Fact]
    public void An_on_premises_LastError_has_LRT_first_a_nested_TLS_error_and_is_marked_truncated()
    {
        var reason = ReasonParser.Parse(PublicSamples.OnPremisesLastError);

        Assert.Equal(ReasonFormat.OnPremisesQueue, reason.Format);
        Assert.Equal("15-01-21 23:50:05", reason.LastRetryTime);
        Assert.Equal("4.7.0", reason.EnhancedCode);
        Assert.Equal("InvalidToken", reason.TlsError);
        Assert.True(reason.Truncated);
        Assert.Null(reason.TargetHost);
        Assert.Contains("FQDN cut off: 'MAILSERVER.DOM'", reason.Unreadable);
        Assert.Contains(ReasonExplainer.Explain(PublicSamples.OnPremisesLastError).Candidates, c => c.Cause.Id == "RC12");
    }

    [Fact]
    public void Localised_labels_with_a_dash_are_read()
    {
        var reason = ReasonParser.Parse("[<LRI-2021/1/15 23:50:05>; <led-451 4.4.0 DNS query failed>;<FQDN-mail.contoso.com>;<IP=192.0.2.7>]");

        Assert.Equal(ReasonFormat.OnPremisesQueue, reason.Format);
        Assert.Equal("4.4.0", reason.EnhancedCode);
        Assert.Equal("mail.contoso.com", reason.TargetHost);
        Assert.Equal("192.0.2.7", reason.TargetAddress);
    }

    [Fact]
    public void An_expired_NDR_points_to_the_earlier_deferrals()
    {
        var explanation = ReasonExplainer.Explain("#550 4.4.7 QUEUE.Expired; message expired ##");

        Assert.Equal("4.4.7", explanation.Reason.EnhancedCode);
        Assert.Contains(explanation.Notes, n => n.Contains("deferrals before it", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello world")]
    [InlineData("{{{{[[[[")]
    public void Text_that_says_nothing_known_is_reported_as_such(string text)
    {
        var explanation = ReasonExplainer.Explain(text);

        Assert.Empty(explanation.Candidates);
        Assert.Contains(explanation.Notes, n => n.Contains("no known code", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_prefix_of_every_public_sample_parses_without_an_exception()
    {
        foreach (var sample in PublicSamples.All)
        {
            for (var length = 0; length <= sample.Length; length++)
            {
                var explanation = ReasonExplainer.Explain(sample[..length]);
                Assert.NotNull(explanation.Reason);
            }
        }
    }

    [Fact]
    public void Random_text_built_from_reason_syntax_never_throws()
    {
        var pieces = Gen.OneOf<string>("{", "}", "[", "]", "<", ">", "=", "-", ";", "LED", "MSG", "LRT", "FQDN", "IP", "Message=", "450 ", "4.7.320 ", "\"", "'", "responded with ", "-> ", " ", "x", "#", "Expected Subject: ", ". Presented Subject:", ". Thumbprint:", "\n");
        Gen.OneOf(Gen.String[0, 200], pieces.Array[0, 40].Select(p => string.Concat(p)))
            .Sample(text => ReasonExplainer.Explain(text), iter: 3000);
    }
}
