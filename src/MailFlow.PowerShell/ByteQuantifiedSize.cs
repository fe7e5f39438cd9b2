using System.Globalization;

namespace MailFlow.PowerShell;

/// <summary>
/// Exchange's ByteQuantifiedSize as the cmdlets show sizes: <c>36 MB (37,748,736 bytes)</c> — the largest
/// binary unit the value reaches, up to three decimals, then the exact byte count — and <c>ToBytes()</c>
/// for scripts that compute with it. The configuration keeps plain bytes; only the output wears this.
/// </summary>
public readonly record struct ByteQuantifiedSize(long Bytes)
{
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB"];

    public ulong ToBytes() => (ulong)Bytes;

    public override string ToString()
    {
        var unit = 0;
        while (unit < Units.Length - 1 && Bytes >= 1L << (10 * (unit + 1)))
        {
            unit++;
        }

        // Truncated, not rounded (decision 0027): 2,147,483,647 bytes must not read as a whole 2 GB.
        var scaled = Math.Floor(Bytes / (double)(1L << (10 * unit)) * 1000) / 1000;
        return string.Create(CultureInfo.InvariantCulture, $"{scaled:0.###} {Units[unit]} ({Bytes:N0} bytes)");
    }
}
