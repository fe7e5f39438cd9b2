using System.Text;
using System.Text.RegularExpressions;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Diagnostics.Reasons;
using MailFlow.Logs;

namespace MailFlow.Diagnostics.Artefacts;

/// <summary>What a file holds, decided from its content.</summary>
public enum ArtefactKind
{
    SmtpReceiveLog,
    SmtpSendLog,

    /// <summary>Protocol-log rows whose side (Receive or Send) nothing in the file tells.</summary>
    ProtocolLog,
    MessageTrackingLog,
    Transcript,
    ExchangeCertificateDump,
    ReceiveConnectorDump,
    SendConnectorDump,
    CertificateHealth,
    EventText,
    Reason,
    Unusable,
}

/// <summary>One file and what it was taken for, with the reason in words.</summary>
public sealed record ClassifiedArtefact(string File, ArtefactKind Kind, string Why);

/// <summary>
/// Decides by content what each artefact is, so <c>mailflow diagnose &lt;folder&gt;</c> can take whatever
/// the admin collected. A <c>#Log-type:</c> header decides at once; otherwise rows are recognised by their
/// shape (the tolerant reader), <c>fl</c> dumps by their property names, certificate health by CryptoAPI
/// tokens, transcripts by a banner or EHLO reply, event texts by their event ids and wording, and a short
/// text with a status code as a reason. Only the first <see cref="SampleBytes"/> of a file are read.
/// </summary>
public static partial class ArtefactClassifier
{
    public const int SampleBytes = 256 * 1024;

    /// <summary>Every file under <paramref name="path"/> (any depth), or the file itself, classified, in name order.</summary>
    public static IReadOnlyList<ClassifiedArtefact> ClassifyAll(string path)
    {
        if (File.Exists(path))
        {
            return [Classify(path)];
        }

        if (!Directory.Exists(path))
        {
            return [new ClassifiedArtefact(path, ArtefactKind.Unusable, "not found")];
        }

        try
        {
            return Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(Classify).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [new ClassifiedArtefact(path, ArtefactKind.Unusable, $"cannot be listed: {e.Message}")];
        }
    }

    /// <summary>"read nothing usable: a.png (binary), notes.txt (no log rows, no reason, no dump)" when nothing is usable; else null.</summary>
    public static string? NothingUsable(IReadOnlyList<ClassifiedArtefact> artefacts) =>
        artefacts.All(a => a.Kind == ArtefactKind.Unusable)
            ? "read nothing usable: " + (artefacts.Count == 0 ? "no files" : string.Join(", ", artefacts.Select(a => $"{Path.GetFileName(a.File)} ({a.Why})")))
            : null;

    public static ClassifiedArtefact Classify(string file)
    {
        byte[] sample;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            sample = new byte[(int)Math.Min(stream.Length, SampleBytes)];
            stream.ReadExactly(sample);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ClassifiedArtefact(file, ArtefactKind.Unusable, $"cannot be read: {e.Message}");
        }

        return Classify(file, sample);
    }

    /// <summary>Classifies <paramref name="content"/> as the start of <paramref name="file"/>.</summary>
    public static ClassifiedArtefact Classify(string file, byte[] content)
    {
        ClassifiedArtefact As(ArtefactKind kind, string why) => new(file, kind, why);
        if (content.Length == 0)
        {
            return As(ArtefactKind.Unusable, "empty");
        }

        if (Binary(content))
        {
            return As(ArtefactKind.Unusable, "binary");
        }

        var text = Decode(content);
        if (text.Trim().Length == 0)
        {
            return As(ArtefactKind.Unusable, "empty");
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (LogTypeHeader().Match(text) is { Success: true } header)
        {
            var type = header.Groups[1].Value.Trim();
            return As(KindOfLogType(type), $"#Log-type: {type}");
        }

        var log = TolerantLogReader.Read(file, lines);
        if (log.Rows.Count > 0 && log.Rows.Count >= log.Unreadable.Count)
        {
            return As(KindOfLogType(log.LogType), $"{log.Rows.Count} rows read as {log.Rows[0].FieldNames.Count} {(log.LogType ?? "protocol-log")} fields without a header");
        }

        var properties = lines.Select(l => FlProperty().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (properties.Contains("Thumbprint") && (properties.Contains("CertificateDomains") || properties.Contains("Services")))
        {
            return As(ArtefactKind.ExchangeCertificateDump, "fl properties Thumbprint and CertificateDomains/Services");
        }

        if (properties.Contains("Bindings") || properties.Contains("RemoteIPRanges") || properties.Contains("PermissionGroups"))
        {
            return As(ArtefactKind.ReceiveConnectorDump, "fl properties of Get-ReceiveConnector (Bindings, RemoteIPRanges, PermissionGroups)");
        }

        if (properties.Contains("AddressSpaces") || properties.Contains("SmartHosts") || properties.Contains("SourceTransportServers"))
        {
            return As(ArtefactKind.SendConnectorDump, "fl properties of Get-SendConnector (AddressSpaces, SmartHosts, SourceTransportServers)");
        }

        var health = CertificateHealthReader.Read(file, lines);
        if (health.Count > 0)
        {
            return As(ArtefactKind.CertificateHealth, $"certificate-health tokens ({string.Join(", ", health.Select(h => h.Token).Distinct(StringComparer.OrdinalIgnoreCase).Take(3))})");
        }

        var transcript = TranscriptReader.Read(file, lines);
        // A masked banner is evidence on its own (SMTP inspection), even pasted without the rest of the session.
        if (transcript.Banner is not null && (transcript.EhloKeywords.Count > 0 || transcript.StartTlsReply is not null || Context.ServerObservation.IsMaskedBanner(transcript.Banner.Text.Trim()))
            || transcript.CertificateSubject is not null)
        {
            return As(ArtefactKind.Transcript, transcript.Banner is not null ? "an SMTP banner and the server's replies" : "openssl s_client output");
        }

        if (EventText().IsMatch(text))
        {
            return As(ArtefactKind.EventText, "a Windows event text (event id or MSExchangeTransport wording)");
        }

        if (lines.Count(l => l.Trim().Length > 0) <= 20)
        {
            var reason = ReasonParser.Parse(text);
            if (reason.EnhancedCode is not null || reason.Nested?.EnhancedCode is not null)
            {
                return As(ArtefactKind.Reason, $"a reason string ({reason.Format}, {reason.InnermostEnhancedCode})");
            }
        }

        return transcript.EhloKeywords.Count > 0
            ? As(ArtefactKind.Transcript, "an EHLO reply")
            : As(ArtefactKind.Unusable, "no log rows, no reason, no dump");
    }

    private static ArtefactKind KindOfLogType(string? type) => type switch
    {
        null => ArtefactKind.ProtocolLog,
        _ when type.Contains("Receive", StringComparison.OrdinalIgnoreCase) => ArtefactKind.SmtpReceiveLog,
        _ when type.Contains("Send", StringComparison.OrdinalIgnoreCase) => ArtefactKind.SmtpSendLog,
        _ when type.Contains("Tracking", StringComparison.OrdinalIgnoreCase) => ArtefactKind.MessageTrackingLog,
        _ => ArtefactKind.ProtocolLog,
    };

    /// <summary>NUL bytes, or many control characters, in the sample: not text a person pasted. UTF-16 with a BOM is text.</summary>
    private static bool Binary(byte[] content)
    {
        if (content.Length >= 2 && ((content[0] == 0xFF && content[1] == 0xFE) || (content[0] == 0xFE && content[1] == 0xFF)))
        {
            return false;
        }

        var control = 0;
        foreach (var b in content)
        {
            if (b == 0)
            {
                return true;
            }

            control += b < 0x20 && b is not (9 or 10 or 13 or 12) ? 1 : 0;
        }

        return control > content.Length / 20;
    }

    /// <summary>UTF-16 when a BOM says so (PowerShell's Out-File writes it), otherwise UTF-8 with a lenient decoder.</summary>
    private static string Decode(byte[] content) =>
        content.Length >= 2 && content[0] == 0xFF && content[1] == 0xFE ? Encoding.Unicode.GetString(content, 2, content.Length - 2)
        : content.Length >= 2 && content[0] == 0xFE && content[1] == 0xFF ? Encoding.BigEndianUnicode.GetString(content, 2, content.Length - 2)
        : Encoding.UTF8.GetString(content).TrimStart('\uFEFF');

    [GeneratedRegex(@"^#Log-type:\s*(.+)$", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex LogTypeHeader();

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9]*)\s+:\s")]
    private static partial Regex FlProperty();

    [GeneratedRegex(@"(Event ?ID\s*:?\s*\d+|\b1201[2-8]\b|Source\s*:\s*MSExchange|Microsoft Exchange could not find a certificate|Log Name\s*:)", RegexOptions.IgnoreCase)]
    private static partial Regex EventText();
}
