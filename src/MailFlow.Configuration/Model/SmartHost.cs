using System.Net;
using MailFlow.Certificates.Names;

namespace MailFlow.Configuration.Model;

/// <summary>A smart host: host name or IP literal, with an optional <c>:port</c> (a MailFlow extension; Exchange uses the connector Port).</summary>
public sealed record SmartHost(string Host, int? Port)
{
    public static bool TryParse(string? text, out SmartHost? host, out string? error)
    {
        host = null;
        error = null;
        var value = text?.Trim() ?? string.Empty;
        int? port = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(value[1..close], out _))
            {
                error = $"\"{text}\" is not a smart host ([IPv6] literal is malformed)";
                return false;
            }

            if (close + 1 < value.Length && !TryPort(value[(close + 1)..], out port))
            {
                error = $"\"{text}\" has an invalid port";
                return false;
            }

            host = new SmartHost(value[1..close], port);
            return true;
        }

        var colon = value.LastIndexOf(':');
        if (colon > 0 && value.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            if (!TryPort(value[colon..], out port))
            {
                error = $"\"{text}\" has an invalid port";
                return false;
            }

            value = value[..colon];
        }

        if (!(IPAddress.TryParse(value, out _) && value.Count(c => c == '.') == 3) && !DnsNames.TryNormalizeReference(value, out _, out _))
        {
            error = $"\"{text}\" is not a host name or IP address";
            return false;
        }

        host = new SmartHost(value, port);
        return true;
    }

    private static bool TryPort(string text, out int? port)
    {
        port = null;
        if (text.Length < 2 || text[0] != ':' || !int.TryParse(text[1..], out var p) || p is < 1 or > 65_535)
        {
            return false;
        }

        port = p;
        return true;
    }
}
