using CsCheck;
using MailFlow.Diagnostics.Reasons;

namespace MailFlow.Diagnostics.Tests;

/// <summary>The reason shapes of exchange-semantics.md §5 on published samples (sources in PublicSamples.cs).</summary>
public sealed class ReasonShapeTests
{
    [Fact]
    public void Bracket_fields_inside_a_reason_in_typographic_quotes_are_read_and_a_partly_redacted_address_is_named()
    {
        var reason = ReasonParser.Parse(PublicSamples.QaExpiredTypographic);

        Assert.Equal(ReasonFormat.ExchangeOnlineBracket, reason.Format);
        Assert.Equal("4.4.317", reason.EnhancedCode);
        Assert.Equal("CertificateExpired", reason.Token);
        Assert.Equal("email.domain.com", reason.ExpectedSubject);
        Assert.Equal("CN=email.domain.com", reason.PresentedSubject);
        Assert.Equal("94E711DD84BC285CD2911DAC3D0C9E3ABB29671E", reason.Thumbprint);
        Assert.Equal("email.domain.com", reason.TargetHost);
        Assert.Null(reason.TargetAddress);
        Assert.Contains("LastAttemptedIP", reason.Redacted);
        Assert.Equal("-1;-1", reason.SmtpSecurity);
        Assert.StartsWith("DM6NAM11FT035.eop-nam11.prod.protection.outlook.com 2025-01-04T16:37:07.429Z", reason.ExchangeOnlineServer, StringComparison.Ordinal);
        Assert.Empty(reason.Unreadable);
        Assert.Empty(reason.Unparsed);
    }

    [Fact]
    public void A_nested_TLS_failure_gives_its_error_to_the_outer_reason()
    {
        var reason = ReasonParser.Parse(PublicSamples.QaConnectionAborted);

        Assert.Equal("4.4.0", reason.Nested?.EnhancedCode);
        Assert.Equal("ConnectionAborted", reason.TlsError);
        Assert.Equal("-2;-2", reason.SmtpSecurity);
    }

    [Fact]
    public void A_reason_cut_inside_MSG_reports_MSG_and_still_reads_the_glued_trailer()
    {
        var reason = ReasonParser.Parse(PublicSamples.QaSocketErrorCutInMsg);

        Assert.Equal("SocketError", reason.TlsError);
        Assert.Contains("MSG cut off: '4'", reason.Unreadable);
        Assert.Null(reason.Token);
        Assert.True(reason.Truncated);
        Assert.Contains("OutboundProxyTargetIP", reason.Redacted);
        Assert.Contains("OutboundProxyTargetHostName", reason.Redacted);
        Assert.Contains("LastAttemptedIP", reason.Redacted);
        Assert.Null(reason.OutboundProxyTargetHostName);
    }

    [Fact]
    public void A_table_cell_with_line_breaks_and_a_cut_EOP_group_keeps_every_whole_field_and_names_the_cut_one()
    {
        var reason = ReasonParser.Parse(PublicSamples.JpBlogTableCell);

        Assert.Equal("SubjectMismatch", reason.Token);
        Assert.Equal("*.contoso.com", reason.ExpectedSubject);
        Assert.Equal("CN=ExchangeServer01", reason.PresentedSubject);
        Assert.Equal("D0AC2FC63B9C5798828B45D849BE8D33", reason.Thumbprint);
        Assert.Equal("mail.contoso.com", reason.TargetHost);
        Assert.Equal("mail.contoso.com", reason.OutboundProxyTargetHostName);
        Assert.Null(reason.TargetAddress);
        Assert.Contains("OutboundProxyTargetIP", reason.Redacted);
        Assert.Contains("EOP server group cut off: 'BN7'", reason.Unreadable);
        Assert.Null(reason.ExchangeOnlineServer);
    }

    [Fact]
    public void The_extra_brace_wrapper_and_an_EOP_group_after_a_line_break_are_read()
    {
        var reason = ReasonParser.Parse(PublicSamples.JpBlogAttribution);

        Assert.Equal(ReasonFormat.ExchangeOnlineBrace, reason.Format);
        Assert.Equal("5.7.51", reason.EnhancedCode);
        Assert.Equal("contoso-mail-onmicrosoft-com.mail.protection.outlook.com", reason.TargetHost);
        Assert.Equal("52.101.194.15", reason.TargetAddress);
        Assert.Equal("1/29/2025 7:07:29 PM", reason.LastRetryTime);
        Assert.StartsWith("CH3PEPF00000016.namprd21.prod.outlook.com", reason.ExchangeOnlineServer, StringComparison.Ordinal);
    }

    [Fact]
    public void An_NDR_line_with_the_reply_in_single_quotes_nests_the_receivers_reply()
    {
        var reason = ReasonParser.Parse(PublicSamples.ForumStartTlsRequired);

        Assert.Equal("5.7.3", reason.InnermostEnhancedCode);
        Assert.Equal("50.251.172.148:25", reason.TargetAddress);
        Assert.Equal("steinmetznet.com", reason.TargetHost);
    }

    [Fact]
    public void A_nested_reply_in_typographic_single_quotes_reads_like_the_ASCII_one()
    {
        // S08 as forums re-type it: word processors turn the ASCII quotes into ‘…’ and “…”.
        var typographic = PublicSamples.S08Validation.Replace("with '", "with \u2018", StringComparison.Ordinal).Replace("'.", "\u2019.", StringComparison.Ordinal)
            .Replace("with \"", "with \u201C", StringComparison.Ordinal).Replace("mail.\"", "mail.\u201D", StringComparison.Ordinal);

        var reason = ReasonParser.Parse(typographic);

        Assert.Equal("4.4.0", reason.Nested?.EnhancedCode);
        Assert.Equal("5.7.3", reason.InnermostEnhancedCode);
    }

    [Fact]
    public void A_bracket_field_cut_off_mid_value_is_reported_with_what_was_left()
    {
        var sample = PublicSamples.ForumStartTlsRequired;
        var cut = sample[..(sample.IndexOf("[LastAttemptedIP=", StringComparison.Ordinal) + "[LastAttemptedIP=50.251.".Length)];

        var reason = ReasonParser.Parse(cut);

        Assert.Contains("LastAttemptedIP cut off: '50.251.'", reason.Unreadable);
        Assert.Null(reason.TargetAddress);
        Assert.Equal("steinmetznet.com", reason.TargetHost);
        Assert.True(reason.Truncated);
    }

    [Fact]
    public void A_thumbprint_cut_off_inside_Message_is_not_kept_as_a_shorter_thumbprint()
    {
        var sample = PublicSamples.QaExpiredTypographic;
        var cut = sample[..(sample.IndexOf("Thumbprint: ", StringComparison.Ordinal) + "Thumbprint: 94E711DD".Length)];

        var reason = ReasonParser.Parse(cut);

        Assert.Null(reason.Thumbprint);
        Assert.Contains("Thumbprint cut off: '94E711DD'", reason.Unreadable);
        Assert.Equal("CertificateExpired", reason.Token);
        Assert.Equal("CN=email.domain.com", reason.PresentedSubject);
    }

    [Theory]
    [InlineData("TLS negotiation failed with error UnknownCredentials", "UnknownCredentials")]
    [InlineData("451 4.4.0 Security status InvalidToken.", "InvalidToken")]
    [InlineData("450 4.4.317 Cannot connect to remote server [Message=TlsNegotiationFailed]", "TlsNegotiationFailed")]
    [InlineData("421 4.4.2 Connection dropped due to SocketError", "SocketError")]
    [InlineData("{LED=451 4.4.395 Target host responded with error. -> 421 4.4.2 Connection dropped due to ConnectionReset}", "ConnectionReset")]
    [InlineData("450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS handshake failed: UnexpectedMessage]", "UnexpectedMessage")]
    [InlineData("450 4.4.317 Cannot connect [Message=TLS handshake: TimedOut]", "TimedOut")]
    public void TLS_errors_are_found_wherever_the_reason_says_them(string text, string expected) =>
        Assert.Equal(expected, ReasonParser.Parse(text).TlsError);

    [Fact]
    public void A_socket_status_without_TLS_words_is_not_taken_for_a_TLS_error() =>
        Assert.Null(ReasonParser.Parse("450 4.4.317 Cannot establish session with remote server [Message=Failed to connect. Winsock error code: 995] [LastAttemptedIP=199.255.45.85:25] TimedOut").TlsError);

    private static readonly string[] Labels =
        ["OutboundProxyTargetIP", "OutboundProxyTargetHostName", "LastAttemptedServerName", "LastAttemptedIP", "SmtpSecurity=", "Message=", "Expected Subject:", "Presented Subject:", "Thumbprint:", "LED=", "MSG=", "FQDN=", "LRT="];

    [Fact]
    public void No_field_value_ever_holds_another_fields_label()
    {
        var pieces = Gen.OneOf<string>("{LED=", "{MSG=", "{FQDN=", "{IP=", "{LRT=", "};", "}", "]", "[", "[Message=", "[LastAttemptedIP=", "[LastAttemptedServerName=",
            "[SmtpSecurity=", "Expected Subject: ", ". Presented Subject: ", ". Thumbprint: ", ". OutboundProxyTargetIP: ", ". OutboundProxyTargetHostName: ",
            "450 4.4.317 ", "451 4.4.0 ", "Cannot connect ", "10.0.", "mail.contoso.com", "CN=SERVER1", "ABCDEF0123", " ", ".", "xxx", "<br>", "\u201C", "\u2019", "'", "\"");
        var samples = Gen.OneOf(PublicSamples.All.Select(s => Gen.Int[0, s.Length].Select(n => s[..n])).ToArray());
        Gen.OneOf(pieces.Array[0, 30].Select(p => string.Concat(p)), samples).Sample(text =>
        {
            for (var r = ReasonParser.Parse(text); r is not null; r = r.Nested)
            {
                foreach (var value in new[] { r.Text, r.Token, r.ExpectedSubject, r.PresentedSubject, r.Thumbprint, r.TargetHost, r.TargetAddress, r.LastRetryTime, r.OutboundProxyTargetIP, r.OutboundProxyTargetHostName, r.SmtpSecurity, r.ExchangeOnlineServer, r.TlsError })
                {
                    if (value is not null && Labels.FirstOrDefault(l => value.Contains(l, StringComparison.OrdinalIgnoreCase)) is { } label)
                    {
                        Assert.Fail($"'{value}' holds the label {label} (input: {text})");
                    }
                }
            }
        }, iter: 4000);
    }
}
