namespace MailFlow.Logs.Reading;

/// <summary>Where a fact came from: file and line, for evidence a reader can open.</summary>
public sealed record SourceLine(string File, long Line, string Text)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>A certificate as a protocol log records it (either record form).</summary>
public sealed record LoggedCertificate(string? Subject, string? Issuer, string? SerialNumber, string? Thumbprint, IReadOnlyList<string> AlternateNames, SourceLine Source);

/// <summary>One <c>&lt;</c>, <c>&gt;</c> or <c>*</c> row of a session: what was said, in which direction, and where it is.</summary>
public sealed record DialogueLine(char Event, string Data, string Context, SourceLine Source);

/// <summary>One SMTP session reassembled from a SmtpReceive or SmtpSend protocol log.</summary>
public sealed class ProtocolSession
{
    public required string ConnectorId { get; init; }

    public required string SessionId { get; init; }

    public string? LocalEndpoint { get; set; }

    public string? RemoteEndpoint { get; set; }

    public DateTime Start { get; set; }

    public DateTime End { get; set; }

    public string? Ehlo { get; set; }

    public bool StartTlsOffered { get; set; }

    /// <summary>
    /// From an SmtpSend log: this side was the client, so a certificate it sent is its client certificate.
    /// Taken from the file's <c>#Log-type</c>; without one (a pasted excerpt), from the direction the
    /// server's replies travel: in SmtpSend the 3-digit replies are received (<c>&lt;</c>), in SmtpReceive sent.
    /// </summary>
    public bool Outbound { get; set; }

    /// <summary>The session's rows in order, for rules that judge the conversation itself (banner, EHLO keywords, STARTTLS answer).</summary>
    public List<DialogueLine> Dialogue { get; } = [];

    /// <summary>The certificate this side presented ("Sending certificate").</summary>
    public LoggedCertificate? CertificateSent { get; set; }

    /// <summary>The peer's certificate ("Received certificate" / "Remote certificate").</summary>
    public LoggedCertificate? CertificateReceived { get; set; }

    /// <summary>"TLS protocol … negotiation succeeded …" or "TLS negotiation failed with error X".</summary>
    public string? TlsResult { get; set; }

    public string? LastReply { get; set; }

    public List<SourceLine> Lines { get; } = [];
}

/// <summary>
/// Groups protocol-log rows into sessions (by connector and session id) and reads both certificate
/// record forms (exchange-semantics.md §3.4): the multi-line one (one <c>*</c> row per attribute after
/// <c>Sending certificate</c> / <c>Received certificate</c>) and the single-line one (values in data,
/// labels in context).
/// </summary>
public static class ProtocolLogSessions
{
    public static IReadOnlyList<ProtocolSession> Read(IEnumerable<LogRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sessions = new Dictionary<(string, string), ProtocolSession>();
        var order = new List<ProtocolSession>();
        var pending = new Dictionary<ProtocolSession, (bool Sent, SourceLine Source, Dictionary<string, string> Values)>();
        var headerless = new HashSet<ProtocolSession>();
        foreach (var row in rows)
        {
            var connector = row["connector-id"] ?? string.Empty;
            var id = row["session-id"] ?? string.Empty;
            if (!sessions.TryGetValue((connector, id), out var session))
            {
                session = new ProtocolSession { ConnectorId = connector, SessionId = id, Outbound = row.LogType?.Contains("Send", StringComparison.OrdinalIgnoreCase) == true };
                sessions[(connector, id)] = session;
                order.Add(session);
                if (row.LogType is null)
                {
                    headerless.Add(session);
                }
            }

            var source = new SourceLine(row.File, row.Line, string.Join(",", row.Values));
            var at = DateTime.TryParse(row["date-time"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time : default;
            if (session.Lines.Count == 0)
            {
                session.Start = at;
            }

            session.End = at;
            session.Lines.Add(source);
            session.LocalEndpoint ??= row["local-endpoint"];
            session.RemoteEndpoint ??= row["remote-endpoint"];
            var kind = row["event"];
            var data = row["data"] ?? string.Empty;
            var context = row["context"] ?? string.Empty;
            if (kind is ['<' or '>' or '*'])
            {
                session.Dialogue.Add(new DialogueLine(kind[0], data, context, source));
            }
            switch (kind)
            {
                case ">" when data.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase) || data.StartsWith("HELO", StringComparison.OrdinalIgnoreCase):
                    session.Ehlo ??= data.Length > 5 ? data[5..].Trim() : string.Empty;
                    break;
                case "<" when data.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase) || data.StartsWith("HELO", StringComparison.OrdinalIgnoreCase):
                    session.Ehlo ??= data.Length > 5 ? data[5..].Trim() : string.Empty;
                    break;
                // The EHLO reply is logged a line per keyword ("250-STARTTLS") or, as Exchange writes it, in one
                // line ("250  SERVER1.domain.com Hello [ip] SIZE … STARTTLS …").
                case "<" or ">" when data.StartsWith("250", StringComparison.Ordinal) && OffersStartTls(data):
                    session.StartTlsOffered = true;
                    break;
                case "*":
                    Information(session, data, context, source, pending);
                    break;
            }

            if (kind is "<" or ">" && data.Length >= 3 && char.IsDigit(data[0]))
            {
                session.LastReply = data;
            }
        }

        foreach (var (session, record) in pending)
        {
            Complete(session, record);
        }

        foreach (var session in headerless)
        {
            // No reply to go by (only * rows pasted): Exchange names receive connectors "SERVER\Name", send connectors without a server.
            session.Outbound = session.Dialogue.FirstOrDefault(d => d.Event is '<' or '>' && IsReply(d.Data)) is { } reply ? reply.Event == '<' : !session.ConnectorId.Contains('\\');
        }

        return order;
    }

    private static void Information(ProtocolSession session, string data, string context, SourceLine source, Dictionary<ProtocolSession, (bool Sent, SourceLine Source, Dictionary<string, string> Values)> pending)
    {
        if (context is "Sending certificate" or "Received certificate" && data.Length == 0)
        {
            if (pending.Remove(session, out var previous))
            {
                Complete(session, previous);
            }

            pending[session] = (context == "Sending certificate", source, []);
            return;
        }

        if (context.StartsWith("Certificate ", StringComparison.Ordinal) && pending.TryGetValue(session, out var record))
        {
            record.Values[context] = data;
            return;
        }

        if (pending.Remove(session, out var done))
        {
            Complete(session, done);
        }

        if (context.StartsWith("Sending certificate Subject", StringComparison.Ordinal) || context.StartsWith("Remote certificate", StringComparison.Ordinal))
        {
            var single = SingleLine(data, source);
            if (context.StartsWith("Sending", StringComparison.Ordinal))
            {
                session.CertificateSent = single;
            }
            else
            {
                session.CertificateReceived = single;
            }
        }
        else if (context.StartsWith("TLS protocol", StringComparison.Ordinal) || context.StartsWith("TLS negotiation failed", StringComparison.Ordinal))
        {
            session.TlsResult = context;
        }
    }

    private static void Complete(ProtocolSession session, (bool Sent, SourceLine Source, Dictionary<string, string> Values) record)
    {
        string? Value(string label) => record.Values.TryGetValue(label, out var v) && v.Length > 0 ? v : null;
        var certificate = new LoggedCertificate(Value("Certificate subject"), Value("Certificate issuer name"), Value("Certificate serial number"), Value("Certificate thumbprint"),
            Value("Certificate alternate names")?.Split(';', StringSplitOptions.RemoveEmptyEntries) ?? [], record.Source);
        if (record.Sent)
        {
            session.CertificateSent = certificate;
        }
        else
        {
            session.CertificateReceived = certificate;
        }
    }

    /// <summary>
    /// " &lt;subject&gt; &lt;issuer&gt; &lt;serial&gt; &lt;thumbprint&gt; &lt;notBefore&gt; &lt;notAfter&gt; &lt;SANs&gt;": anchored on the two
    /// ISO dates and the hex fields before them, because DNs may contain spaces.
    /// </summary>
    private static LoggedCertificate SingleLine(string data, SourceLine source)
    {
        var parts = data.Trim().Split(' ');
        var firstDate = Array.FindIndex(parts, p => p.Length >= 19 && p[4] == '-' && p[10] == 'T');
        if (firstDate < 2)
        {
            return new LoggedCertificate(data.Trim(), null, null, null, [], source);
        }

        var thumbprint = parts[firstDate - 1];
        var serial = parts[firstDate - 2];
        var names = firstDate + 2 < parts.Length ? parts[firstDate + 2].Split(';', StringSplitOptions.RemoveEmptyEntries) : [];
        var dns = string.Join(' ', parts[..(firstDate - 2)]);
        // A record with nothing before the serial and thumbprint (damaged, or hand-edited) has no subject.
        var issuerAt = dns.Length > 1 ? dns.IndexOf(" CN=", 1, StringComparison.Ordinal) : -1;
        return issuerAt > 0
            ? new LoggedCertificate(dns[..issuerAt], dns[(issuerAt + 1)..], serial, thumbprint, names, source)
            : new LoggedCertificate(dns.Length > 0 ? dns : null, null, serial, thumbprint, names, source);
    }

    private static bool IsReply(string data) => data.Length >= 3 && char.IsAsciiDigit(data[0]) && char.IsAsciiDigit(data[1]) && char.IsAsciiDigit(data[2]) && (data.Length == 3 || data[3] is ' ' or '-');

    private static bool OffersStartTls(string reply)
    {
        if (reply.Length <= 4)
        {
            return false; // "250" alone: no keywords after the code
        }

        foreach (var keyword in reply.AsSpan(4).Split(' '))
        {
            if (reply.AsSpan(4)[keyword].Trim().Equals("STARTTLS", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
