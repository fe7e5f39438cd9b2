using System.Text.RegularExpressions;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Context;

/// <summary>Who recorded a conversation, which decides whose words are the server's.</summary>
public enum ObservedFrom
{
    /// <summary>The receiving server's own SmtpReceive log: its replies are the <c>&gt;</c> rows, and what it logged is what it sent.</summary>
    ReceivingServer,

    /// <summary>The sending server's SmtpSend log: the remote server's replies are the <c>&lt;</c> rows, as they arrived after every device in the path.</summary>
    SendingServer,
}

/// <summary>A line of evidence with its text.</summary>
public sealed record Said(string Text, SourceLine Source);

/// <summary>
/// What one SMTP session shows about the server that answered it: banner, EHLO keywords before TLS,
/// the answer to STARTTLS, the TLS outcome and the server certificate. Built the same way from either
/// side's log, so a rule judging "the server offered no STARTTLS" does not care who wrote the log — but
/// it can ask, because only the sender's view passes through the firewalls in between.
/// </summary>
public sealed partial record ServerObservation
{
    public required ProtocolSession Session { get; init; }

    public required ObservedFrom From { get; init; }

    /// <summary>The server's address: the local endpoint of a receive session, the remote endpoint of a send session.</summary>
    public string? Server { get; init; }

    public Said? Banner { get; init; }

    /// <summary>The EHLO reply before STARTTLS (the one that decides whether TLS is offered).</summary>
    public Said? EhloReply { get; init; }

    /// <summary>The keywords of <see cref="EhloReply"/>, upper-case, without their parameters.</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    public Said? StartTlsAnswer { get; init; }

    /// <summary>A TLS negotiation failure row, and the error name it gives.</summary>
    public Said? TlsFailure { get; init; }

    public string? TlsError { get; init; }

    /// <summary>The "TLS protocol … negotiation succeeded" row.</summary>
    public Said? TlsSuccess { get; init; }

    /// <summary>The certificate the server presented (SmtpReceive "Sending certificate", SmtpSend "Received/Remote certificate").</summary>
    public LoggedCertificate? ServerCertificate { get; init; }

    public DateTime At => Session.Start;

    public string Connector => Session.ConnectorId;

    public SourceLine FirstLine => Session.Lines[0];

    public bool Offers(string keyword) => Keywords.Contains(keyword, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A banner whose text is mostly <c>*</c> (Cisco PIX/ASA "mask-banner", KB 320027) or the old PIX
    /// <c>SMTP/cmap</c> fingerprint.
    /// </summary>
    public bool BannerMasked => Banner is { } banner && IsMaskedBanner(banner.Text);

    /// <summary>EHLO keywords overwritten with runs of X of the keyword's length (<c>XXXXXXXA</c>, <c>XXXXXXXX</c>).</summary>
    public IReadOnlyList<string> MaskedKeywords => Keywords.Where(k => MaskedKeyword().IsMatch(k)).ToList();

    public static bool IsMaskedBanner(string text)
    {
        var body = text.Length > 3 ? text[3..] : string.Empty;
        var stars = body.Count(c => c == '*');
        return stars >= 4 && stars * 2 >= body.Count(c => !char.IsWhiteSpace(c)) || body.Contains("SMTP/cmap", StringComparison.OrdinalIgnoreCase);
    }

    public static ServerObservation Of(ProtocolSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var serverSays = session.Outbound ? '<' : '>';
        Said? banner = null, ehlo = null, startTlsAnswer = null, failure = null, success = null;
        var keywords = new List<string>();
        string? tlsError = null;
        var inEhloReply = false;
        var awaiting = Awaiting.Nothing;
        foreach (var line in session.Dialogue)
        {
            if (line.Event == '*')
            {
                var text = line.Context.Length > 0 ? line.Context : line.Data;
                if (TlsFailed().Match(text) is { Success: true } failed && failure is null)
                {
                    failure = new Said(text, line.Source);
                    tlsError = failed.Groups["error"].Value;
                }
                else if (text.StartsWith("TLS protocol", StringComparison.Ordinal) && success is null)
                {
                    success = new Said(text, line.Source);
                }

                continue;
            }

            if (line.Event != serverSays)
            {
                var command = line.Data.Trim();
                awaiting = command.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase) && ehlo is null && startTlsAnswer is null ? Awaiting.Ehlo
                    : command.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase) && startTlsAnswer is null ? Awaiting.StartTls
                    : Awaiting.Nothing;
                inEhloReply = false;
                continue;
            }

            var reply = line.Data;
            if (banner is null && reply.StartsWith("220", StringComparison.Ordinal) && ehlo is null && awaiting == Awaiting.Nothing)
            {
                banner = new Said(reply, line.Source);
            }
            else if (awaiting == Awaiting.Ehlo && reply.StartsWith("250", StringComparison.Ordinal) || inEhloReply && reply.StartsWith("250", StringComparison.Ordinal))
            {
                ehlo ??= new Said(reply, line.Source);
                ReadKeywords(reply, first: !inEhloReply, keywords);
                inEhloReply = reply.Length > 3 && reply[3] == '-';
                awaiting = Awaiting.Nothing;
            }
            else if (awaiting == Awaiting.StartTls)
            {
                startTlsAnswer = new Said(reply, line.Source);
                awaiting = Awaiting.Nothing;
            }
        }

        return new ServerObservation
        {
            Session = session,
            From = session.Outbound ? ObservedFrom.SendingServer : ObservedFrom.ReceivingServer,
            Server = session.Outbound ? session.RemoteEndpoint : session.LocalEndpoint,
            Banner = banner,
            EhloReply = ehlo,
            Keywords = keywords,
            StartTlsAnswer = startTlsAnswer,
            TlsFailure = failure,
            TlsError = tlsError,
            TlsSuccess = success,
            ServerCertificate = session.Outbound ? session.CertificateReceived : session.CertificateSent,
        };
    }

    /// <summary>
    /// A pasted interactive session (telnet, swaks, openssl s_client): whoever typed it was the client,
    /// so it is the sender's view, like an SmtpSend log, without times.
    /// </summary>
    public static ServerObservation? Of(Artefacts.SmtpTranscript transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        if (!transcript.IsTranscript)
        {
            return null;
        }

        var first = transcript.Banner ?? transcript.EhloKeywords.FirstOrDefault()?.Source ?? transcript.StartTlsReply ?? transcript.CertificateSubjectSource!;
        var session = new ProtocolSession { ConnectorId = "transcript", SessionId = Path.GetFileName(transcript.File), Outbound = true };
        session.Lines.Add(first);
        var ehlo = transcript.EhloKeywords.FirstOrDefault();
        return new ServerObservation
        {
            Session = session,
            From = ObservedFrom.SendingServer,
            Server = "the server in " + Path.GetFileName(transcript.File),
            Banner = transcript.Banner is { } banner ? new Said(banner.Text.Trim(), banner) : null,
            EhloReply = ehlo is null ? null : new Said(string.Join(" ", transcript.EhloKeywords.Select(k => k.Keyword)), ehlo.Source),
            Keywords = transcript.EhloKeywords.Select(k => k.Keyword.ToUpperInvariant()).ToList(),
            StartTlsAnswer = transcript.StartTlsReply is { } reply ? new Said(reply.Text.Trim(), reply) : null,
            ServerCertificate = transcript.CertificateSubject is { } subject
                ? new LoggedCertificate(subject, transcript.CertificateIssuer, null, null, [], transcript.CertificateSubjectSource ?? first)
                : null,
        };
    }

    /// <summary>
    /// Keywords of one EHLO reply row. Exchange logs the whole reply on one row (<c>250  host Hello [ip] SIZE … STARTTLS …</c>);
    /// other MTAs a row per line (<c>250-host</c>, <c>250-SIZE 10240000</c>, <c>250 STARTTLS</c>), where the first row is the greeting
    /// (RFC 5321 §4.1.1.1) and each later row starts with one keyword.
    /// </summary>
    private static void ReadKeywords(string reply, bool first, List<string> keywords)
    {
        var body = reply.Length > 4 ? reply[4..].Trim() : string.Empty;
        var hello = body.IndexOf("Hello", StringComparison.OrdinalIgnoreCase);
        if (first && hello >= 0 && body.IndexOf(']', hello) is var close and > 0)
        {
            keywords.AddRange(body[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(IsKeywordShaped).Select(k => k.ToUpperInvariant()));
        }
        else if (!first && body.Split(' ', 2)[0] is { Length: > 0 } keyword)
        {
            keywords.Add(keyword.ToUpperInvariant());
        }
    }

    private static bool IsKeywordShaped(string token) => token.Length > 1 && char.IsAsciiLetter(token[0]) && token.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private enum Awaiting
    {
        Nothing,
        Ehlo,
        StartTls,
    }

    [GeneratedRegex(@"TLS negotiation failed with error (?<error>[A-Za-z]+)")]
    private static partial Regex TlsFailed();

    [GeneratedRegex(@"^X{3,}[A-Z]?$|^X{4,}")]
    private static partial Regex MaskedKeyword();
}
