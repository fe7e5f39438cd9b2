using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace MailFlow.Core.Net;

/// <summary>
/// A RemoteIPRanges entry: a single address, <c>a-b</c>, or CIDR <c>a/n</c>, for one address family.
/// IPv4-mapped IPv6 addresses are compared as IPv4, so a client arriving on a dual-stack socket
/// matches the IPv4 ranges an admin wrote.
/// </summary>
public sealed record IPRange
{
    private IPRange(AddressFamily family, UInt128 first, UInt128 last, string text)
    {
        Family = family;
        First = first;
        Last = last;
        Text = text;
    }

    public AddressFamily Family { get; }

    public UInt128 First { get; }

    public UInt128 Last { get; }

    /// <summary>As written in the configuration.</summary>
    public string Text { get; }

    /// <summary>Number of addresses minus one; smaller is more specific.</summary>
    public UInt128 Span => Last - First;

    public static IPRange AllIPv4 { get; } = Parse("0.0.0.0-255.255.255.255");

    public static IPRange AllIPv6 { get; } = Parse("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

    public static bool TryParse(string? text, out IPRange? range, out string? error)
    {
        range = null;
        error = null;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            error = "the range is empty";
            return false;
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var dash = value.IndexOf('-', StringComparison.Ordinal);
        if (slash > 0)
        {
            if (!TryAddress(value[..slash], out var address, out var family) || !int.TryParse(value[(slash + 1)..], out var prefix))
            {
                error = $"\"{text}\" is not an address/prefix (CIDR) range";
                return false;
            }

            var bits = family == AddressFamily.InterNetwork ? 32 : 128;
            if (prefix < 0 || prefix > bits)
            {
                error = $"\"{text}\" has a prefix length outside 0–{bits}";
                return false;
            }

            var hostMask = prefix == bits ? UInt128.Zero : (UInt128.One << (bits - prefix)) - 1;
            var first = address & ~hostMask & Max(bits);
            range = new IPRange(family, first, first | hostMask, value);
            return true;
        }

        if (dash > 0)
        {
            if (!TryAddress(value[..dash], out var start, out var f1) || !TryAddress(value[(dash + 1)..], out var end, out var f2) || f1 != f2)
            {
                error = $"\"{text}\" is not a range of two addresses of the same family";
                return false;
            }

            if (end < start)
            {
                error = $"\"{text}\" ends before it starts";
                return false;
            }

            range = new IPRange(f1, start, end, value);
            return true;
        }

        if (!TryAddress(value, out var single, out var singleFamily))
        {
            error = $"\"{text}\" is not an IP address, range (a-b) or CIDR block (a/n)";
            return false;
        }

        range = new IPRange(singleFamily, single, single, value);
        return true;
    }

    public static IPRange Parse(string text) =>
        TryParse(text, out var range, out var error) ? range! : throw new FormatException(error);

    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != Family)
        {
            return false;
        }

        var value = ToNumber(address);
        return value >= First && value <= Last;
    }

    public bool Contains(IPRange other) => other is not null && other.Family == Family && other.First >= First && other.Last <= Last;

    public bool Overlaps(IPRange other) => other is not null && other.Family == Family && other.First <= Last && First <= other.Last;

    public override string ToString() => Text;

    private static UInt128 Max(int bits) => bits == 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1;

    private static bool TryAddress(string text, out UInt128 value, out AddressFamily family)
    {
        value = UInt128.Zero;
        family = AddressFamily.Unknown;
        var trimmed = text.Trim().TrimStart('[').TrimEnd(']');
        if (!IPAddress.TryParse(trimmed, out var address))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork && trimmed.Count(c => c == '.') != 3)
        {
            return false; // "10" or "10.1" parse as IPv4 in .NET; an admin never means that.
        }

        family = address.AddressFamily;
        value = ToNumber(address);
        return true;
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return new BigInteger(bytes[..written], isUnsigned: true, isBigEndian: true) is var big ? (UInt128)big : UInt128.Zero;
    }
}
