using System.Globalization;

namespace MailFlow.Smtp.Protocol;

/// <summary>The argument of <c>BDAT size [LAST]</c> (RFC 3030 §2).</summary>
public static class BdatCommand
{
    /// <summary>False unless the argument is a decimal octet count, optionally followed by LAST.</summary>
    public static bool TryParse(string argument, out long size, out bool last)
    {
        ArgumentNullException.ThrowIfNull(argument);
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        last = parts.Length == 2;
        size = 0;
        return parts.Length is 1 or 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out size)
            && (parts.Length == 1 || parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>
/// BDAT content follows the DATA rule for CR, LF and NUL (security-and-reliability.md SM-19): only CRLF
/// pairs, no NUL. A chunk may end between the CR and its LF, so the state carries across chunks.
/// </summary>
public sealed class BdatLineEndings
{
    /// <summary>The last octet accepted was a CR whose LF has not arrived yet; a LAST chunk must not end so.</summary>
    public bool PendingCr { get; private set; }

    /// <summary>False at the first bare CR, bare LF or NUL.</summary>
    public bool Accept(ReadOnlySpan<byte> span)
    {
        foreach (var b in span)
        {
            if (PendingCr)
            {
                if (b != (byte)'\n')
                {
                    return false;
                }

                PendingCr = false;
                continue;
            }

            if (b is (byte)'\n' or 0)
            {
                return false;
            }

            PendingCr = b == (byte)'\r';
        }

        return true;
    }
}
