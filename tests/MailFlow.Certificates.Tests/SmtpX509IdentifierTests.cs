using CsCheck;
using MailFlow.Certificates.Identity;

namespace MailFlow.Certificates.Tests;

public sealed class SmtpX509IdentifierTests
{
    [Fact]
    public void Parses_the_serialized_Exchange_form()
    {
        var id = SmtpX509Identifier.Parse("<I>CN=WIN-CTD3L0RGEN4<S>CN=WIN-CTD3L0RGEN4");

        Assert.Equal("CN=WIN-CTD3L0RGEN4", id.CertificateIssuer);
        Assert.Equal("CN=WIN-CTD3L0RGEN4", id.CertificateSubject);
        Assert.Equal("<I>CN=WIN-CTD3L0RGEN4<S>CN=WIN-CTD3L0RGEN4", id.ToString());
    }

    [Fact]
    public void Prefixes_are_case_insensitive_and_DNs_with_commas_survive()
    {
        var id = SmtpX509Identifier.Parse("<i>CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US<s>CN=hybrid.domain.com, O=Domain Inc, L=Redmond, S=WA, C=US");

        Assert.Equal("CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US", id.CertificateIssuer);
        Assert.Equal("CN=hybrid.domain.com, O=Domain Inc, L=Redmond, S=WA, C=US", id.CertificateSubject);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("CN=SERVER1", "<I> (issuer) part is missing")]
    [InlineData("<I>CN=CA", "<S> (subject) part is missing")]
    [InlineData("<S>CN=x<I>CN=y", "must start with <I>")]
    [InlineData("<I><S>CN=x", "issuer (<I>) part is empty")]
    [InlineData("<I>CN=x<S>", "subject (<S>) part is empty")]
    [InlineData("<I>CN=x<S>CN=y<S>CN=z", "<S> appears more than once")]
    [InlineData("4C0FA622D0D66E777AA123B1AF123456F001AE23", "looks like a thumbprint")]
    public void Syntax_errors_are_reported_not_thrown(string text, string expectedError)
    {
        Assert.False(SmtpX509Identifier.TryParse(text, out var id, out var error));
        Assert.Null(id);
        Assert.Contains(expectedError, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_then_parse_round_trips_any_issuer_and_subject()
    {
        var dnText = Gen.String[Gen.Char.AlphaNumeric.Select(c => c), 1, 40]
            .Select(Gen.OneOf<string>("CN=", "O=", "CN=a, O=", "OU=x+CN="), (v, p) => p + v)
            .Where(s => !s.Contains("<I>", StringComparison.OrdinalIgnoreCase) && !s.Contains("<S>", StringComparison.OrdinalIgnoreCase));
        var anyText = Gen.String[1, 60].Where(s =>
            !s.Contains("<I>", StringComparison.OrdinalIgnoreCase) && !s.Contains("<S>", StringComparison.OrdinalIgnoreCase) && s.Trim() == s);

        Gen.Select(Gen.OneOf(dnText, anyText), Gen.OneOf(dnText, anyText)).Sample((issuer, subject) =>
        {
            var formatted = SmtpX509Identifier.Create(issuer, subject).ToString();
            Assert.True(SmtpX509Identifier.TryParse(formatted, out var parsed, out var error), error);
            Assert.Equal(issuer, parsed!.CertificateIssuer);
            Assert.Equal(subject, parsed.CertificateSubject);
            Assert.Equal(formatted, parsed.ToString());
        });
    }

    [Fact]
    public void TryParse_never_throws_on_arbitrary_text()
    {
        Gen.String[0, 80].Select(Gen.OneOf<string>("", "<I>", "<S>", "<i>", "<s>"), (a, b) => b + a + b).Sample(text =>
        {
            _ = SmtpX509Identifier.TryParse(text, out _, out _);
        });
    }
}
