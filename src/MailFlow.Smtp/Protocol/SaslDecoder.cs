using System.Text;

namespace MailFlow.Smtp.Protocol;

/// <summary>The credentials carried by an AUTH PLAIN response (RFC 4616).</summary>
public readonly record struct PlainCredentials(string User, string Password);

/// <summary>
/// Decodes the client's AUTH responses (RFC 4954). Pure and allocation-bounded by the line limit, so
/// the session's AUTH exchange and the fuzzer share it. Bad input is a null result, never an exception:
/// the session answers it with 501 5.5.2.
/// </summary>
public static class SaslDecoder
{
    /// <summary>A base64 response as UTF-8 text (LOGIN's user name and password); null when it is not base64.</summary>
    public static string? DecodeText(string base64)
    {
        ArgumentNullException.ThrowIfNull(base64);
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary><c>authzid NUL authcid NUL passwd</c> with a non-empty authcid; null otherwise.</summary>
    public static PlainCredentials? DecodePlain(string base64)
    {
        var fields = DecodeText(base64)?.Split('\0');
        return fields is { Length: 3 } && fields[1].Length > 0 ? new PlainCredentials(fields[1], fields[2]) : null;
    }
}
