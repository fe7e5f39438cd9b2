using MailFlow.Core.Diagnostics;
using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using MailFlow.Configuration.Model;
using MailFlow.Logs;
using MailFlow.Queue;
using MailFlow.Smtp.Protocol;
using MailFlow.Smtp.Server;

namespace MailFlow.Smtp.Session;

/// <summary>
/// One SMTP connection: a single command loop with one method per verb (after chasquid). Input is read
/// through a <see cref="PipeReader"/>; commands are parsed in place from the buffer; replies are
/// buffered and flushed whenever the loop has no complete command left (RFC 2920 pipelining).
/// </summary>
internal sealed partial class SmtpSession : IAsyncDisposable
{
    /// <summary>RFC 5321 §4.5.3.1.4: 512 octets including CRLF.</summary>
    private const int MaxCommandLength = 510;

    /// <summary>RFC 4954 §4: AUTH lines (with initial response) may be up to 12288 octets.</summary>
    private const int MaxAuthLineLength = 12_286;

    private readonly ReceiveConnectorRuntime connector;
    private readonly ReceiveContext context;
    private readonly Stream transport;
    private readonly IPEndPoint remote;
    private readonly IPEndPoint local;
    private readonly ProtocolLogSession log;
    private readonly CancellationToken stopping;
    private readonly CancellationTokenSource connectionTimeout;
    private readonly CancellationTokenSource lifetime;
    private readonly ITimer idleTimer;
    private Stream stream;
    private PipeReader reader;
    private PipeWriter writer;
    private SslStream? tls;
    private string? helo;
    private bool extended;
    private string? authenticatedUser;
    private SmtpPermissions permissions;
    private Envelope? envelope;
    private BdatTransfer? bdat;
    private AuthExchange? auth;
    private int protocolErrors;
    private int unknownRecipients;
    private TimeSpan tarpitDelay;
    private int logonFailures;
    private bool discardingLongLine;
    private bool partialCommandPending;
    private volatile bool idleExpired;

    public SmtpSession(ReceiveConnectorRuntime connector, ReceiveContext context, Stream transport, IPEndPoint local, IPEndPoint remote, CancellationToken stopping)
    {
        this.connector = connector;
        this.context = context;
        this.transport = transport;
        this.local = local;
        this.remote = remote;
        this.stopping = stopping;
        stream = transport;
        reader = PipeReader.Create(transport, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        writer = PipeWriter.Create(transport, new StreamPipeWriterOptions(leaveOpen: true));
        connectionTimeout = new CancellationTokenSource(connector.Connector.ConnectionTimeout, context.Time);
        lifetime = CancellationTokenSource.CreateLinkedTokenSource(stopping, connectionTimeout.Token);
        idleTimer = context.Time.CreateTimer(static state => ((SmtpSession)state!).OnIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        log = context.ProtocolLog.Begin(connector.Connector.ProtocolLoggingLevel == ProtocolLoggingLevel.Verbose, connector.Identity, ProtocolLog.NextSessionId(), local, remote);
        permissions = PermissionGroupRights.For(connector.Connector.PermissionGroups, authenticated: false);
    }

    private enum Next
    {
        Continue,
        ReceiveData,
        ReceiveChunk,
        StartTls,
        VerifyCredentials,

        /// <summary>The reply is written; hold it back for the tarpit delay before sending it.</summary>
        Tarpit,
        Close,
    }

    private bool IsTls => tls is not null;

    public async Task RunAsync()
    {
        TransportMetrics.SessionStarted(connector.Identity);
        log.Connect();
        log.Information(PermissionGroupRights.Describe(permissions), "Set Session Permissions");
        var closeReason = "Local";
        try
        {
            if (connector.Connector.ImplicitTls && !await UpgradeToTlsAsync())
            {
                return;
            }

            Reply(Banner());
            await CommandLoopAsync();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await TryReplyAndFlushAsync(SmtpReplies.ShuttingDown);
        }
        catch (OperationCanceledException)
        {
            await TryReplyAndFlushAsync(SmtpReplies.ConnectionTimeout);
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or ObjectDisposedException)
        {
            closeReason = "Remote";
        }
        finally
        {
            if (closeReason == "Local")
            {
                await CloseTlsAsync();
            }

            // QUIT, hang-up, timeout, protocol-error close or server stop: an unfinished BDAT transfer's
            // staging file goes now, not at the next start (a disk-filling attack otherwise).
            ResetTransaction();
            TransportMetrics.SessionEnded();
            log.Disconnect(closeReason);
        }
    }

    private async Task CommandLoopAsync()
    {
        while (true)
        {
            var result = await ReadAsync();
            if (result is null)
            {
                return;
            }

            var buffer = result.Value.Buffer;
            var next = ProcessCommands(ref buffer);
            if (next == Next.Continue)
            {
                // A started but unfinished command keeps the deadline of its first byte: dripping one
                // byte at a time (slowloris) does not earn a fresh inactivity period.
                partialCommandPending = buffer.Length > 0 || discardingLongLine;
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.Value.IsCompleted)
                {
                    return;
                }

                continue;
            }

            if (next == Next.StartTls && buffer.Length > 0)
            {
                // CVE-2011-0411: plaintext pipelined behind STARTTLS must never be read as if it came through TLS.
                log.Information(buffer.Length.ToString(CultureInfo.InvariantCulture), "bytes received after STARTTLS before the TLS handshake were discarded");
                buffer = buffer.Slice(buffer.End);
            }

            partialCommandPending = false;
            reader.AdvanceTo(buffer.Start);
            if (next == Next.Tarpit)
            {
                await Task.Delay(tarpitDelay, context.Time, lifetime.Token);
            }

            await FlushAsync();
            var carryOn = next switch
            {
                Next.ReceiveData => await ReceiveDataAsync(),
                Next.ReceiveChunk => await ReceiveChunkAsync(),
                Next.StartTls => await UpgradeToTlsAsync(),
                Next.VerifyCredentials => await VerifyCredentialsAsync(),
                Next.Tarpit => true,
                _ => false,
            };
            if (!carryOn)
            {
                await FlushAsync();
                return;
            }
        }
    }

    /// <summary>Handles every complete command in the buffer; stops at one that needs to read or wait.</summary>
    private Next ProcessCommands(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (discardingLongLine)
            {
                if (!CommandLineReader.SkipToLineEnd(ref buffer))
                {
                    return Next.Continue;
                }

                discardingLongLine = false;
                if (ProtocolError(SmtpReplies.LineTooLong) == Next.Close)
                {
                    return Next.Close;
                }

                continue;
            }

            var status = CommandLineReader.TryRead(ref buffer, MaxAuthLineLength, out var line);
            switch (status)
            {
                case LineStatus.Incomplete:
                    return Next.Continue;
                case LineStatus.TooLongUnterminated:
                    discardingLongLine = true; // answered once the line's end has been skipped to
                    continue;
                case LineStatus.TooLong:
                    if (ProtocolError(SmtpReplies.LineTooLong) == Next.Close)
                    {
                        return Next.Close;
                    }

                    continue;
                case LineStatus.BareLineEnding:
                    log.Information(null, "bare CR or LF in a command line; closing");
                    Reply(SmtpReplies.BareLineEndingInCommand);
                    return Next.Close;
            }

            if (auth is not null)
            {
                var authNext = ContinueAuth(line);
                if (authNext != Next.Continue)
                {
                    return authNext;
                }

                continue;
            }

            if (line.PositionOf((byte)0) is not null)
            {
                log.Received("(command with NUL)");
                if (ProtocolError(SmtpReplies.NulInCommand) == Next.Close)
                {
                    return Next.Close;
                }

                continue;
            }

            var command = SmtpCommandParser.Parse(line, log.Enabled);
            if (line.Length > MaxCommandLength && command.Verb != SmtpVerb.Auth)
            {
                log.Received(Truncate(command.Line));
                if (ProtocolError(SmtpReplies.LineTooLong) == Next.Close)
                {
                    return Next.Close;
                }

                continue;
            }

            log.Received(command.Verb == SmtpVerb.Auth ? Redact(command) : command.Line!);
            var next = Dispatch(command, buffer);
            if (next != Next.Continue)
            {
                return next;
            }
        }
    }

    private Next Dispatch(SmtpCommand command, in ReadOnlySequence<byte> pending)
    {
        if (connector.Connector.RequireTLS && !IsTls && command.Verb is not (SmtpVerb.Ehlo or SmtpVerb.Helo or SmtpVerb.StartTls or SmtpVerb.Quit or SmtpVerb.Noop or SmtpVerb.Rset or SmtpVerb.Http or SmtpVerb.Unknown))
        {
            return ProtocolError(SmtpReplies.MustStartTls);
        }

        return command.Verb switch
        {
            SmtpVerb.Ehlo => Ehlo(command.Argument),
            SmtpVerb.Helo => Helo(command.Argument),
            SmtpVerb.StartTls => StartTls(command.Argument),
            SmtpVerb.Auth => Auth(command.Argument),
            SmtpVerb.Mail => Mail(command.Argument),
            SmtpVerb.Rcpt => Rcpt(command.Argument),
            SmtpVerb.Data => Data(command.Argument, pending),
            SmtpVerb.Bdat => Bdat(command.Argument),
            SmtpVerb.Rset => Rset(),
            SmtpVerb.Noop => Reply(SmtpReplies.Ok),
            SmtpVerb.Quit => Quit(),
            SmtpVerb.Vrfy => Reply(SmtpReplies.CannotVerify),
            SmtpVerb.Expn => Reply(SmtpReplies.NotImplemented),
            SmtpVerb.Help => Reply(SmtpReplies.Help),
            SmtpVerb.Http => Http(),
            _ => ProtocolError(SmtpReplies.Unrecognized(FirstWord(command))),
        };
    }

    private Next Ehlo(string argument)
    {
        if (!IsValidHelo(argument))
        {
            return ProtocolError(SmtpReplies.InvalidDomain);
        }

        ResetTransaction();
        helo = argument.Trim();
        extended = true;
        var lines = new List<string>
        {
            $"{connector.Fqdn} Hello [{remote.Address}]",
            $"SIZE {connector.Connector.MaxMessageSize}",
            "PIPELINING",
            "DSN",
            "ENHANCEDSTATUSCODES",
        };
        if (connector.OffersStartTls && !IsTls)
        {
            lines.Add("STARTTLS");
        }

        if (connector.OffersAuth(IsTls) && authenticatedUser is null)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }

        lines.AddRange(["8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8"]);
        var reply = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            reply.Append("250").Append(i == lines.Count - 1 ? ' ' : '-').Append(lines[i]);
            if (i < lines.Count - 1)
            {
                reply.Append("\r\n");
            }
        }

        // Exchange logs its EHLO answer as one line: "250  host Hello [ip] SIZE … PIPELINING …".
        WriteReply(reply.ToString(), "250  " + string.Join(' ', lines));
        return Next.Continue;
    }

    private Next Helo(string argument)
    {
        if (!IsValidHelo(argument))
        {
            return ProtocolError(SmtpReplies.InvalidDomain);
        }

        ResetTransaction();
        helo = argument.Trim();
        extended = false;
        return Reply($"250 {connector.Fqdn} Hello [{remote.Address}]");
    }

    private Next StartTls(string argument)
    {
        if (IsTls)
        {
            return ProtocolError(SmtpReplies.TlsAlreadyActive);
        }

        if (!connector.OffersStartTls)
        {
            return ProtocolError(SmtpReplies.Unrecognized("STARTTLS"));
        }

        if (argument.Length > 0)
        {
            return ProtocolError(SmtpReplies.NoParametersAllowed);
        }

        Reply(SmtpReplies.StartTlsReady);
        return Next.StartTls;
    }

    private Next Rset()
    {
        ResetTransaction();
        return Reply(SmtpReplies.Resetting);
    }

    private Next Quit()
    {
        Reply(SmtpReplies.Closing);
        return Next.Close;
    }

    private Next Http()
    {
        log.Information(null, "HTTP request on an SMTP port; closing without a reply");
        return Next.Close;
    }

    private async Task<bool> UpgradeToTlsAsync()
    {
        if (connector.CertificateContext is null)
        {
            Reply(SmtpReplies.TlsNotAvailable);
            return false;
        }

        await reader.CompleteAsync();
        await writer.CompleteAsync();
        if (connector.CertificateRecord is { } certificate)
        {
            log.Certificate(certificate, sending: true);
        }

        var ssl = new SslStream(transport, leaveInnerStreamOpen: true);
        using var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        handshakeTimeout.CancelAfter(connector.Connector.ConnectionInactivityTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = connector.CertificateContext,
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            }, handshakeTimeout.Token);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            var error = ex is OperationCanceledException ? "Timeout" : ex is AuthenticationException ? "InvalidToken" : "SocketError";
            log.TlsFailed(error);
            TransportMetrics.TlsHandshake("inbound", error);
            await ssl.DisposeAsync();
            if (ex is OperationCanceledException && lifetime.IsCancellationRequested)
            {
                throw;
            }

            return false;
        }

        log.TlsNegotiated(ssl.SslProtocol, ssl.NegotiatedCipherSuite, server: true);
        TransportMetrics.TlsHandshake("inbound", "success");
        tls = ssl;
        stream = ssl;
        reader = PipeReader.Create(ssl, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        writer = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));

        // RFC 3207 §4.2: forget everything learned before TLS; the client must say EHLO again.
        helo = null;
        extended = false;
        authenticatedUser = null;
        permissions = PermissionGroupRights.For(connector.Connector.PermissionGroups, authenticated: false);
        ResetTransaction();
        return true;
    }

    /// <summary>
    /// Flushes pending replies, then waits for input under the inactivity timer. The timer restarts for
    /// each new command or data block, but not while a command line is incomplete.
    /// </summary>
    private async ValueTask<ReadResult?> ReadAsync()
    {
        await FlushAsync();
        if (!partialCommandPending)
        {
            idleExpired = false;
            idleTimer.Change(connector.Connector.ConnectionInactivityTimeout, Timeout.InfiniteTimeSpan);
        }

        while (true)
        {
            var result = await reader.ReadAsync(lifetime.Token);
            if (!result.IsCanceled)
            {
                return result;
            }

            if (idleExpired)
            {
                Reply(SmtpReplies.InactivityTimeout);
                await FlushAsync();
                return null;
            }

            // A cancellation left over from a timer that fired while we were not reading: read again.
        }
    }

    private void OnIdle()
    {
        idleExpired = true;
        reader.CancelPendingRead();
    }

    private Next Reply(string text)
    {
        WriteReply(text, text);
        return Next.Continue;
    }

    private void WriteReply(string text, string logged)
    {
        log.Sent(logged);
        var bytes = Encoding.UTF8.GetByteCount(text) + 2;
        var span = writer.GetSpan(bytes);
        var written = Encoding.UTF8.GetBytes(text, span);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        writer.Advance(written + 2);
    }

    /// <summary>Counts a protocol error; past MaxProtocolErrors the connection is closed (421).</summary>
    private Next ProtocolError(string reply)
    {
        Reply(reply);
        if (++protocolErrors >= connector.Connector.MaxProtocolErrors)
        {
            Reply(SmtpReplies.TooManyErrors);
            return Next.Close;
        }

        return Next.Continue;
    }

    private async ValueTask FlushAsync() => await writer.FlushAsync(lifetime.Token);

    private async Task TryReplyAndFlushAsync(string text)
    {
        try
        {
            Reply(text);
            using var brief = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await writer.FlushAsync(brief.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer is gone or not reading; there is no one left to tell.
        }
    }

    /// <summary>
    /// An orderly end inside TLS (QUIT, 421, a timeout) sends close_notify before TCP closes, so the
    /// client can tell it from a truncation (RFC 8446 §6.1, RFC 5246 §7.2.1). The peer's own
    /// close_notify is not awaited; the whole step is bounded so a client that stopped reading cannot
    /// hold the session.
    /// </summary>
    private async Task CloseTlsAsync()
    {
        if (tls is null)
        {
            return;
        }

        try
        {
            using var brief = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await writer.FlushAsync(brief.Token);
            await tls.ShutdownAsync().WaitAsync(brief.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or AuthenticationException)
        {
            // The peer is gone or not reading: there is nobody to tell.
        }
    }

    private string Banner()
    {
        if (!string.IsNullOrWhiteSpace(connector.Connector.Banner))
        {
            var banner = connector.Connector.Banner!;
            return banner.StartsWith("220", StringComparison.Ordinal) ? banner : "220 " + banner;
        }

        var now = context.Time.GetLocalNow();
        var offset = now.Offset;
        var date = now.ToString("ddd, d MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString("hhmm", CultureInfo.InvariantCulture);
        return $"220 {connector.Fqdn} Microsoft ESMTP MAIL Service ready at {date}";
    }

    private static bool IsValidHelo(string argument)
    {
        var value = argument.Trim();
        if (value.Length == 0 || value.Length > 255 || value.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }

        return value.StartsWith('[') ? value.EndsWith(']') : value.All(c => char.IsLetterOrDigit(c) || c is '-' or '.' or '_' || c > 127);
    }

    private static string FirstWord(SmtpCommand command)
    {
        var text = command.Line ?? command.Argument;
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var word = space < 0 ? text : text[..space];
        return word.Length > 32 ? word[..32] : word;
    }

    private static string Truncate(string? line) => line is null ? string.Empty : line.Length > 100 ? line[..100] + "…" : line;

    public async ValueTask DisposeAsync()
    {
        await idleTimer.DisposeAsync();
        lifetime.Dispose();
        connectionTimeout.Dispose();
        await reader.CompleteAsync();
        try
        {
            await writer.CompleteAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }

        if (tls is not null)
        {
            await tls.DisposeAsync();
        }

        await transport.DisposeAsync();
    }
}
