using System.Net;
using CsCheck;
using MailFlow.Core.Net;

namespace MailFlow.Core.Tests;

public sealed class IPRangeTests
{
    [Theory]
    [InlineData("192.168.1.0/24", "192.168.1.77", true)]
    [InlineData("192.168.1.0/24", "192.168.2.1", false)]
    [InlineData("192.168.1.10-192.168.1.20", "192.168.1.20", true)]
    [InlineData("192.168.1.10-192.168.1.20", "192.168.1.21", false)]
    [InlineData("10.0.0.5", "10.0.0.5", true)]
    [InlineData("0.0.0.0-255.255.255.255", "::ffff:203.0.113.9", true)]
    [InlineData("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::1", true)]
    [InlineData("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "203.0.113.9", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("0.0.0.0/0", "8.8.8.8", true)]
    public void Contains(string range, string address, bool expected) =>
        Assert.Equal(expected, IPRange.Parse(range).Contains(IPAddress.Parse(address)));

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.9-10.0.0.1")]
    [InlineData("10.0.0.1-2001:db8::1")]
    [InlineData("bogus")]
    public void Malformed_ranges_are_refused_with_a_reason(string text)
    {
        Assert.False(IPRange.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Specificity_follows_the_documented_example_32_before_24_before_everything()
    {
        var host = IPRange.Parse("192.168.1.10");
        var subnet = IPRange.Parse("192.168.1.0/24");

        Assert.True(host.Span < subnet.Span && subnet.Span < IPRange.AllIPv4.Span);
        Assert.True(IPRange.AllIPv4.Contains(subnet) && subnet.Contains(host));
        Assert.False(host.Contains(subnet));
    }

    [Fact]
    public void A_CIDR_block_contains_exactly_the_addresses_between_its_ends()
    {
        Gen.Select(Gen.UInt, Gen.Int[8, 32], Gen.UInt).Sample((network, prefix, probe) =>
        {
            var range = IPRange.Parse($"{new IPAddress(BitConverter.GetBytes(network).Reverse().ToArray())}/{prefix}");
            var address = new IPAddress(BitConverter.GetBytes(probe).Reverse().ToArray());
            var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
            Assert.Equal((probe & mask) == (network & mask), range.Contains(address));
        });
    }
}
