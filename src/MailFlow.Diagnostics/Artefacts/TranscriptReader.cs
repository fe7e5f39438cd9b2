using System.Text.RegularExpressions;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Artefacts;

/// <summary>One EHLO keyword as the server offered it (<c>250-SIZE 37748736</c> → SIZE, "37748736").</summary>
public sealed record EhloKeyword(string Keyword, string? Parameters, SourceLine Source);

/// <summary>
/// A server as a probe sees it, from a pasted telnet/swaks/<c>openssl s_client -starttls smtp</c> session:
/// the banner, the keywords of the first EHLO reply (and of one after TLS, when the paste has it), the
/// answer to STARTTLS, and the certificate s_client printed. Every fact keeps its source line.
/// </summary>
public sealed class SmtpTranscript
{
    public required string File { get; init; }

    public SourceLine? Banner { get; set; }

    public List<EhloKeyword> EhloKeywords { get; } = [];

    public List<EhloKeyword> EhloKeywordsAfterTls { get; } = [];

    /// <summary>The server's reply to the client's STARTTLS (<c>220 2.0.0 SMTP server ready</c>, <c>500 5.3.3 Unrecognized command</c>).</summary>
    public SourceLine? StartTlsReply { get; set; }

    /// <summary>s_client's own report that the EHLO reply had no STARTTLS ("Didn't find STARTTLS in server response").</summary>
    public SourceLine? StartTlsNotFound { get; set; }

    public string? CertificateSubject { get; set; }

    public SourceLine? CertificateSubjectSource { get; set; }

    public string? CertificateIssuer { get; set; }

    public SourceLine? CertificateIssuerSource { get; set; }

    /// <summary>s_client's "Verify return code: …" line.</summary>
    public SourceLine? VerifyResult { get; set; }

    public List<string> Repairs { get; } = [];

    /// <summary>True when the EHLO reply listed STARTTLS; false when it did not (or s_client said so); null without an EHLO reply.</summary>
    public bool? StartTlsOffered =>
        EhloKeywords.Any(k => k.Keyword.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase)) ? true
        : EhloKeywords.Count > 0 || StartTlsNotFound is not null ? false
        : null;

    /// <summary>True for a 220 answer to STARTTLS, false for any other code, null when the paste has no STARTTLS.</summary>
    public bool? StartTlsAccepted => StartTlsReply is null ? null : StartTlsReply.Text.TrimStart().StartsWith("220", StringComparison.Ordinal);

    /// <summary>Whether the text holds anything a transcript has: a banner or a reply to EHLO.</summary>
    public bool IsTranscript => Banner is not null || EhloKeywords.Count > 0 || StartTlsReply is not null || CertificateSubject is not null;
}

/// <summary>
/// Reads pasted interactive SMTP sessions. Prompts that tools add (<c>S:</c>, <c>C:</c>, swaks' <c>&lt;-</c>,
/// <c>-&gt;</c>, <c>&lt;~</c>, <c>~&gt;</c>) are removed; a line where several replies, or a reply and the
/// next command, ran together is split, and the split is listed in <see cref="SmtpTranscript.Repairs"/>.
/// At most <see cref="MaxLines"/> lines are read.
/// </summary>
public static partial class TranscriptReader
{
    public const int MaxLines = 20_000;

    public static SmtpTranscript Read(string file)
    {
        try
        {
            return Read(file, File.ReadLines(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var empty = new SmtpTranscript { File = file };
            empty.Repairs.Add($"{file}: cannot be read: {e.Message}");
            return empty;
        }
    }

    public static SmtpTranscript Read(string file, IEnumerable<string> lines)
    {
        var transcript = new SmtpTranscript { File = file };
        List<EhloKeyword>? ehloReply = null;
        var expectGreeting = false;
        var startTlsPending = false;
        var tlsUp = false;
        long number = 0;
        foreach (var raw in lines.Take(MaxLines))
        {
            number++;
            var pieces = Split(Prompt().Replace(raw.TrimEnd('\r'), string.Empty).TrimEnd());
            if (pieces.Count > 1)
            {
                transcript.Repairs.Add($"line {number}: {pieces.Count} replies or commands run together, split into {pieces.Count}");
            }

            foreach (var piece in pieces)
            {
                var source = new SourceLine(file, number, piece);
                if (Certificate(transcript, piece, source))
                {
                    tlsUp = true;
                }
                else if (piece.StartsWith("Didn't find STARTTLS", StringComparison.OrdinalIgnoreCase))
                {
                    transcript.StartTlsNotFound = source;
                }
                else if (piece.StartsWith("Verify return code:", StringComparison.OrdinalIgnoreCase))
                {
                    transcript.VerifyResult ??= source;
                    tlsUp = true;
                }
                else if (CommandLine().Match(piece) is { Success: true } command)
                {
                    var verb = command.Groups[1].Value.ToUpperInvariant();
                    var target = tlsUp ? transcript.EhloKeywordsAfterTls : transcript.EhloKeywords;
                    ehloReply = verb is "EHLO" or "HELO" && target.Count == 0 ? target : null;
                    expectGreeting = ehloReply is not null;
                    startTlsPending = verb == "STARTTLS";
                }
                else if (ReplyLine().Match(piece) is { Success: true } reply)
                {
                    var code = reply.Groups["code"].Value;
                    var final = reply.Groups["more"].Value != "-";
                    var text = reply.Groups["text"].Value.Trim();
                    if (startTlsPending)
                    {
                        transcript.StartTlsReply = source;
                        startTlsPending = false;
                        tlsUp = code == "220";
                    }
                    else if (ehloReply is null && code == "220" && transcript.Banner is null && transcript.EhloKeywords.Count == 0)
                    {
                        transcript.Banner = source;
                    }
                    else if (ehloReply is null && code == "250" && !final && transcript.EhloKeywords.Count == 0)
                    {
                        // A paste that starts at the EHLO reply (s_client and many posts leave the command out).
                        ehloReply = transcript.EhloKeywords;
                        expectGreeting = Greeting(text);
                        Reply(ref ehloReply, ref expectGreeting, code, final, text, source);
                    }
                    else if (ehloReply is not null)
                    {
                        Reply(ref ehloReply, ref expectGreeting, code, final, text, source);
                    }
                }
            }
        }

        return transcript;
    }

    /// <summary>
    /// One line of the reply to EHLO. The first line is the greeting (<c>host Hello [ip]</c>), not a keyword;
    /// Exchange's own one-line reply (<c>250 host Hello [ip] SIZE … STARTTLS …</c>) lists the keywords after the
    /// greeting. A greeting with another code (a server answering 530 and then 250- lines) leaves the reply open.
    /// </summary>
    private static void Reply(ref List<EhloKeyword>? keywords, ref bool expectGreeting, string code, bool final, string text, SourceLine source)
    {
        if (expectGreeting)
        {
            expectGreeting = false;
            if (code == "250" && final)
            {
                var greetingEnd = text.IndexOf(']', StringComparison.Ordinal);
                foreach (var word in greetingEnd < 0 ? [] : text[(greetingEnd + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !char.IsDigit(w[0])))
                {
                    keywords!.Add(new EhloKeyword(word, null, source));
                }

                keywords = null;
            }

            return;
        }

        if (code != "250")
        {
            keywords = null;
            return;
        }

        var space = text.IndexOf(' ', StringComparison.Ordinal);
        keywords!.Add(space < 0 ? new EhloKeyword(text, null, source) : new EhloKeyword(text[..space], text[(space + 1)..], source));
        if (final)
        {
            keywords = null;
        }
    }

    private static bool Greeting(string text) =>
        text.Contains("Hello", StringComparison.OrdinalIgnoreCase) || text.Contains("greets", StringComparison.OrdinalIgnoreCase) || text.Split(' ', 2)[0].Contains('.', StringComparison.Ordinal);

    /// <summary>s_client's certificate lines: <c>subject=</c>/<c>issuer=</c> and the leaf of "Certificate chain" (<c>0 s:</c>, <c>i:</c>).</summary>
    private static bool Certificate(SmtpTranscript transcript, string piece, SourceLine source)
    {
        if (SubjectLine().Match(piece) is { Success: true } subject)
        {
            if (transcript.CertificateSubject is null)
            {
                transcript.CertificateSubject = subject.Groups["value"].Value.Trim();
                transcript.CertificateSubjectSource = source;
            }

            return true;
        }

        if (IssuerLine().Match(piece) is { Success: true } issuer)
        {
            if (transcript.CertificateIssuer is null)
            {
                transcript.CertificateIssuer = issuer.Groups["value"].Value.Trim();
                transcript.CertificateIssuerSource = source;
            }

            return true;
        }

        return piece.StartsWith("CONNECTED(", StringComparison.Ordinal) || piece.StartsWith("depth=", StringComparison.Ordinal) || piece.StartsWith("SSL handshake has read", StringComparison.Ordinal);
    }

    /// <summary>
    /// Splits a line where line breaks were lost: before each further <c>NNN-</c> reply line, before a final
    /// reply with an enhanced code, and before a command followed by a reply. STARTTLS inside Exchange's
    /// one-line EHLO reply stays, because no reply code follows it.
    /// </summary>
    private static List<string> Split(string line)
    {
        var cuts = new SortedSet<int>();
        foreach (Match match in RunTogether().Matches(line))
        {
            if (match.Index > 0)
            {
                cuts.Add(match.Index);
            }
        }

        // Every line break lost, whitespace too ("250-PIPELINING250-XXXXXXXA250 XXXBstarttls500 unrecognized"):
        // a reply code straight after a letter, or a typed command straight after an upper-case keyword.
        foreach (Match match in Glued().Matches(line))
        {
            cuts.Add(match.Index);
        }

        // The last line of a multi-line reply ("250 XRDST") after its "250-" lines on the same line.
        foreach (Match match in FinalReply().Matches(line))
        {
            if (line.AsSpan(0, match.Index).Contains(match.Groups[1].Value + "-", StringComparison.Ordinal))
            {
                cuts.Add(match.Index);
            }
        }

        var pieces = new List<string>();
        var start = 0;
        foreach (var cut in cuts)
        {
            pieces.Add(line[start..cut].Trim());
            start = cut;
        }

        pieces.Add(line[start..].Trim());
        return pieces.Where(p => p.Length > 0).ToList();
    }

    [GeneratedRegex(@"^\s*(S:|C:|<-+|-+>|<~+|~+>|<<<|>>>)\s?")]
    private static partial Regex Prompt();

    [GeneratedRegex(@"(?<=\s)([2-5]\d\d-\S|[2-5]\d\d [245]\.\d{1,3}\.\d{1,3}\b|(EHLO|HELO|STARTTLS|QUIT|MAIL FROM:|RCPT TO:|DATA)\b(\s+\S+)?(?=\s+[2-5]\d\d[ -]))", RegexOptions.IgnoreCase)]
    private static partial Regex RunTogether();

    [GeneratedRegex(@"(?<=\s)([2-5]\d\d) \S")]
    private static partial Regex FinalReply();

    [GeneratedRegex(@"(?<=[A-Za-z])[2-5]\d\d(?=[- ][A-Za-z])|(?<=[A-Z])(?:starttls|ehlo|helo|quit)(?=[2-5]\d\d|$)")]
    private static partial Regex Glued();

    [GeneratedRegex(@"^(EHLO|HELO|STARTTLS|QUIT|MAIL FROM|RCPT TO|DATA|AUTH|RSET|NOOP)\b", RegexOptions.IgnoreCase)]
    private static partial Regex CommandLine();

    // A mask-banner reply runs its asterisks straight after the code ("220*****…0*2***", KB 320027).
    [GeneratedRegex(@"^(?<code>[2-5]\d\d)(?<more>[ -]|$|(?=\*))(?<text>.*)$")]
    private static partial Regex ReplyLine();

    [GeneratedRegex(@"^(subject=|\s*0 s:)(?<value>.+)$")]
    private static partial Regex SubjectLine();

    [GeneratedRegex(@"^(issuer=|\s*i:)(?<value>.+)$")]
    private static partial Regex IssuerLine();
}
