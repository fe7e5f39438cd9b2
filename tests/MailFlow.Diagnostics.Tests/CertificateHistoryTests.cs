using MailFlow.Diagnostics.Context;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Tests;

/// <summary>One server changing certificate at a time versus two servers presenting different ones at the same time (RC02).</summary>
public sealed class CertificateHistoryTests
{
    private static readonly DateTime T = new(2017, 4, 14, 17, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_same_server_and_connector_changing_certificate_is_one_change_and_never_concurrent()
    {
        var history = CertificateHistory.Of([Session("10.0.0.5:25", T, "AA"), Session("10.0.0.5:25", T.AddMinutes(1), "AA"), Session("10.0.0.5:25", T.AddMinutes(2), "BB")]);

        var change = Assert.Single(history.Changes);
        Assert.Equal(T.AddMinutes(2), change.At);
        Assert.Equal("10.0.0.5", change.Server);
        Assert.Contains("from CN=AA (AA) to CN=BB (BB)", change.What, StringComparison.Ordinal);
        Assert.Equal([2, 1], history.Periods.Select(p => p.Sessions));
        Assert.Empty(history.Concurrent(TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void Two_servers_with_different_certificates_in_the_same_period_are_concurrent_and_far_apart_are_not()
    {
        var together = CertificateHistory.Of([Session("10.0.0.5:25", T, "AA"), Session("10.0.0.6:25", T.AddMinutes(10), "BB")]);
        var apart = CertificateHistory.Of([Session("10.0.0.5:25", T, "AA"), Session("10.0.0.6:25", T.AddDays(1), "BB")]);
        var sameCertificate = CertificateHistory.Of([Session("10.0.0.5:25", T, "AA"), Session("10.0.0.6:25", T, "aa")]);

        Assert.Single(together.Concurrent(TimeSpan.FromMinutes(30)));
        Assert.Empty(apart.Concurrent(TimeSpan.FromMinutes(30)));
        Assert.Empty(sameCertificate.Concurrent(TimeSpan.FromMinutes(30)));
        Assert.Empty(together.Changes);
    }

    [Theory]
    [InlineData("2017-04-14T13:07:17", "2017-04-15T12:00:00", "was before it, whatever")]
    [InlineData("2017-04-16T13:07:17", "2017-04-15T12:00:00", "was after it, whatever")]
    [InlineData("2017-04-14T13:07:17", "2017-04-14T15:00:00", "read as UTC is before it; LRT is in the sender's time zone")]
    public void Which_side_of_a_change_an_LRT_fell_is_firm_only_when_every_time_zone_agrees(string lrt, string change, string says)
    {
        var side = CertificateHistory.SideOf(DateTime.Parse(lrt, System.Globalization.CultureInfo.InvariantCulture), DateTime.Parse(change, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Contains(says, side, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.5:25", "10.0.0.5")]
    [InlineData("[2001:db8::1]:25", "2001:db8::1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    public void The_server_is_the_address_without_the_port(string endpoint, string address) => Assert.Equal(address, CertificateHistory.Address(endpoint));

    private static ServerObservation Session(string local, DateTime at, string thumbprint)
    {
        var source = new SourceLine("RECV.LOG", 1, string.Empty);
        var session = new ProtocolSession { ConnectorId = "SERVER1\\Default Frontend SERVER1", SessionId = Guid.NewGuid().ToString("N"), LocalEndpoint = local, Start = at };
        session.Lines.Add(source);
        session.CertificateSent = new LoggedCertificate("CN=" + thumbprint, "CN=CA", "01", thumbprint, [], source);
        return ServerObservation.Of(session);
    }
}
