using System.Buffers;
using System.Text;

namespace MailFlow.Smtp.Protocol;

public enum SmtpVerb
{
    Unknown,
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    StartTls,
    Auth,

    /// <summary>GET, POST, CONNECT, … : a web client (or an ALPACA-style cross-protocol attack) on an SMTP port.</summary>
    Http,
}

/// <summary>A parsed command line: the verb, its argument text, and the whole line when the protocol log wants it.</summary>
public readonly record struct SmtpCommand(SmtpVerb Verb, string Argument, string? Line);

/// <summary>Identifies the verb from the raw bytes without allocating, then decodes the line once.</summary>
public static class SmtpCommandParser
{
    private static readonly (byte[] Name, SmtpVerb Verb)[] Verbs =
    [
        ("EHLO"u8.ToArray(), SmtpVerb.Ehlo), ("HELO"u8.ToArray(), SmtpVerb.Helo), ("MAIL"u8.ToArray(), SmtpVerb.Mail),
        ("RCPT"u8.ToArray(), SmtpVerb.Rcpt), ("DATA"u8.ToArray(), SmtpVerb.Data), ("BDAT"u8.ToArray(), SmtpVerb.Bdat),
        ("RSET"u8.ToArray(), SmtpVerb.Rset), ("NOOP"u8.ToArray(), SmtpVerb.Noop), ("QUIT"u8.ToArray(), SmtpVerb.Quit),
        ("VRFY"u8.ToArray(), SmtpVerb.Vrfy), ("EXPN"u8.ToArray(), SmtpVerb.Expn), ("HELP"u8.ToArray(), SmtpVerb.Help),
        ("STARTTLS"u8.ToArray(), SmtpVerb.StartTls), ("AUTH"u8.ToArray(), SmtpVerb.Auth),
        ("GET"u8.ToArray(), SmtpVerb.Http), ("POST"u8.ToArray(), SmtpVerb.Http), ("HEAD"u8.ToArray(), SmtpVerb.Http),
        ("PUT"u8.ToArray(), SmtpVerb.Http), ("CONNECT"u8.ToArray(), SmtpVerb.Http), ("OPTIONS"u8.ToArray(), SmtpVerb.Http),
        ("DELETE"u8.ToArray(), SmtpVerb.Http),
    ];

    /// <summary>
    /// Decodes a line (UTF-8; SMTPUTF8 addresses are validated later). Argument-less verbs (DATA, RSET,
    /// NOOP, QUIT, STARTTLS) allocate nothing unless <paramref name="keepLine"/> asks for the text.
    /// </summary>
    public static SmtpCommand Parse(in ReadOnlySequence<byte> line, bool keepLine)
    {
        scoped Span<byte> stack = stackalloc byte[512];
        scoped ReadOnlySpan<byte> bytes;
        byte[]? rented = null;
        if (line.IsSingleSegment)
        {
            bytes = line.FirstSpan;
        }
        else if (line.Length <= stack.Length)
        {
            line.CopyTo(stack);
            bytes = stack[..(int)line.Length];
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)line.Length);
            line.CopyTo(rented);
            bytes = rented.AsSpan(0, (int)line.Length);
        }

        try
        {
            var space = bytes.IndexOf((byte)' ');
            var name = space < 0 ? bytes : bytes[..space];
            var verb = Identify(name);
            var rest = space < 0 ? ReadOnlySpan<byte>.Empty : bytes[(space + 1)..];
            var argument = rest.IsEmpty ? string.Empty : Encoding.UTF8.GetString(rest);
            // An unknown verb is quoted back in the 500 reply, so its text is kept even without a log.
            return new SmtpCommand(verb, argument, keepLine || verb == SmtpVerb.Unknown ? Encoding.UTF8.GetString(bytes) : null);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Case-insensitive ASCII match of the verb; no allocation.</summary>
    public static SmtpVerb Identify(ReadOnlySpan<byte> name)
    {
        foreach (var (candidate, verb) in Verbs)
        {
            if (name.Length == candidate.Length && Ascii.EqualsIgnoreCase(name, candidate))
            {
                return verb;
            }
        }

        return SmtpVerb.Unknown;
    }
}
