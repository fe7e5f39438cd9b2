using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;

namespace MailFlow.Logs;

/// <summary>Which of Exchange's two certificate-record layouts to write (exchange-semantics.md §3.4).</summary>
public enum CertificateLogFormat
{
    /// <summary>One <c>*</c> event per attribute: Sending certificate, Certificate subject, … (Exchange 2013, the seed's logs).</summary>
    MultiLine,

    /// <summary>One <c>*</c> event with space-separated values (Exchange 2016/2019).</summary>
    SingleLine,
}

/// <summary>The certificate attributes a protocol log records.</summary>
public sealed record CertificateLogRecord(string Subject, string Issuer, string SerialNumber, string Thumbprint, DateTime NotBefore, DateTime NotAfter, IReadOnlyList<string> AlternateNames);

/// <summary>SmtpReceive or SmtpSend protocol log: hands out per-connection sessions with their own sequence numbers.</summary>
public sealed class ProtocolLog
{
    private static long lastSessionId = DateTime.UtcNow.Ticks;
    private readonly ExchangeLogWriter? writer;
    private readonly TimeProvider time;

    public ProtocolLog(ExchangeLogWriter? writer, CertificateLogFormat certificateFormat, TimeProvider? time = null)
    {
        this.writer = writer;
        CertificateFormat = certificateFormat;
        this.time = time ?? TimeProvider.System;
    }

    public CertificateLogFormat CertificateFormat { get; }

    /// <summary>A new session id: 16 upper-case hex digits, increasing, like Exchange's.</summary>
    public static string NextSessionId() => Interlocked.Increment(ref lastSessionId).ToString("X16", CultureInfo.InvariantCulture);

    /// <summary>Starts a connection's log; when <paramref name="enabled"/> is false (ProtocolLoggingLevel None) nothing is written.</summary>
    public ProtocolLogSession Begin(bool enabled, string connectorId, string sessionId, EndPoint? local, EndPoint? remote) =>
        new(enabled ? writer : null, time, CertificateFormat, connectorId, sessionId, local?.ToString() ?? string.Empty, remote?.ToString() ?? string.Empty);
}

/// <summary>One connection's events: <c>+</c> connect, <c>-</c> disconnect, <c>&gt;</c> sent, <c>&lt;</c> received, <c>*</c> information.</summary>
public sealed class ProtocolLogSession
{
    private readonly ExchangeLogWriter? writer;
    private readonly TimeProvider time;
    private readonly CertificateLogFormat certificateFormat;
    private readonly string connectorId;
    private readonly string local;
    private readonly string remote;
    private int sequence = -1;

    internal ProtocolLogSession(ExchangeLogWriter? writer, TimeProvider time, CertificateLogFormat certificateFormat, string connectorId, string sessionId, string local, string remote)
    {
        this.writer = writer;
        this.time = time;
        this.certificateFormat = certificateFormat;
        this.connectorId = connectorId;
        SessionId = sessionId;
        this.local = local;
        this.remote = remote;
    }

    public string SessionId { get; }

    public bool Enabled => writer is not null;

    public void Connect() => Event("+", null, null);

    /// <summary><paramref name="context"/> is Exchange's reason, e.g. "Local" or "Remote".</summary>
    public void Disconnect(string context) => Event("-", null, context);

    public void Sent(string data) => Event(">", data, null);

    public void Received(string data) => Event("<", data, null);

    public void Information(string? data, string? context) => Event("*", data, context);

    /// <summary>The certificate record, in the configured layout; <paramref name="sending"/> false = the peer's (Remote certificate).</summary>
    public void Certificate(CertificateLogRecord certificate, bool sending)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!Enabled)
        {
            return;
        }

        var names = string.Join(';', certificate.AlternateNames);
        if (certificateFormat == CertificateLogFormat.MultiLine)
        {
            Information(null, sending ? "Sending certificate" : "Received certificate");
            Information(certificate.Subject, "Certificate subject");
            Information(certificate.Issuer, "Certificate issuer name");
            Information(certificate.SerialNumber, "Certificate serial number");
            Information(certificate.Thumbprint, "Certificate thumbprint");
            Information(names, "Certificate alternate names");
            return;
        }

        var data = string.Join(' ', " " + certificate.Subject, certificate.Issuer, certificate.SerialNumber, certificate.Thumbprint, Iso(certificate.NotBefore), Iso(certificate.NotAfter), names);
        Information(data, (sending ? "Sending certificate" : "Remote certificate") + " Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names");
    }

    public void TlsNegotiated(SslProtocols protocol, TlsCipherSuite suite, bool server) =>
        Information(null, TlsDescription.Describe(protocol, suite, server));

    /// <summary><c>TLS negotiation failed with error &lt;name&gt;</c>; the names are SSPI's (NoCredentials, SocketError, …).</summary>
    public void TlsFailed(string error) => Information(null, $"TLS negotiation failed with error {error}");

    private static string Iso(DateTime value) => value.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.000Z", CultureInfo.InvariantCulture);

    private void Event(string code, string? data, string? context)
    {
        if (writer is null)
        {
            return;
        }

        var number = Interlocked.Increment(ref sequence);
        writer.Write(time.GetUtcNow(), connectorId, SessionId, number.ToString(CultureInfo.InvariantCulture), local, remote, code, data, context);
    }
}
