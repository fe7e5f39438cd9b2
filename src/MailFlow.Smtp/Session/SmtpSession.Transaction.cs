using MailFlow.Core.Diagnostics;
using System.Buffers;
using System.Globalization;
using System.Text;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Recipients;
using MailFlow.Logs;
using MailFlow.Queue;
using MailFlow.Smtp.Protocol;

namespace MailFlow.Smtp.Session;

/// <summary>MAIL, RCPT, DATA and BDAT: the mail transaction and its durable acceptance.</summary>
internal sealed partial class SmtpSession
{
    private sealed class Envelope
    {
        public required string From { get; init; }

        public long? DeclaredSize { get; init; }

        public string Body { get; init; } = "7BIT";

        public bool SmtpUtf8 { get; init; }

        public string? Ret { get; init; }

        public string? EnvelopeId { get; init; }

        public List<SpooledRecipient> Recipients { get; } = [];

        /// <summary>The "smtp receive" span, from MAIL FROM to the reply that ends the transaction; null without a listener.</summary>
        public System.Diagnostics.Activity? Trace { get; init; }
    }

    private Next Mail(string argument)
    {
        if (helo is null)
        {
            return ProtocolError(SmtpReplies.SendHelloFirst);
        }

        if (envelope is not null)
        {
            return ProtocolError(SmtpReplies.SenderAlreadySpecified);
        }

        if (!permissions.HasFlag(SmtpPermissions.SMTPSubmit))
        {
            return ProtocolError(SmtpReplies.NotAuthenticated);
        }

        var smtpUtf8 = argument.Contains(" SMTPUTF8", StringComparison.OrdinalIgnoreCase);
        var error = PathParser.TryParse(argument, "FROM:", allowNullPath: true, smtpUtf8Allowed: smtpUtf8 && extended, out var path);
        if (error != PathError.None)
        {
            return ProtocolError(error == PathError.NonAscii ? SmtpReplies.NonAsciiWithoutSmtpUtf8 : SmtpReplies.InvalidSender);
        }

        long? size = null;
        string body = "7BIT";
        string? ret = null;
        string? envid = null;
        foreach (var (key, value) in path!.Parameters)
        {
            switch (key.ToUpperInvariant())
            {
                case "SIZE" when extended && PathParser.TryParseSize(value, out var declared):
                    if (declared > connector.Connector.MaxMessageSize)
                    {
                        return ProtocolError(SmtpReplies.MessageTooBig);
                    }

                    size = declared;
                    break;
                case "BODY" when extended && value is not null && (value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) || value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase) || value.Equals("BINARYMIME", StringComparison.OrdinalIgnoreCase)):
                    body = value.ToUpperInvariant();
                    break;
                case "SMTPUTF8" when extended && value is null:
                    break;
                case "RET" when extended && value is not null && (value.Equals("FULL", StringComparison.OrdinalIgnoreCase) || value.Equals("HDRS", StringComparison.OrdinalIgnoreCase)):
                    ret = value.ToUpperInvariant();
                    break;
                case "ENVID" when extended && value is { Length: > 0 and <= 100 }:
                    envid = value;
                    break;
                case "AUTH" when extended:
                    break; // RFC 4954 §5: accepted and not trusted
                default:
                    return ProtocolError(SmtpReplies.UnsupportedParameter);
            }
        }

        envelope = new Envelope { From = path.Address, DeclaredSize = size, Body = body, SmtpUtf8 = smtpUtf8, Ret = ret, EnvelopeId = envid, Trace = TransportTracing.StartReceive() };
        return Reply(SmtpReplies.SenderOk);
    }

    private Next Rcpt(string argument)
    {
        if (envelope is null)
        {
            return ProtocolError(helo is null ? SmtpReplies.SendHelloFirst : SmtpReplies.NeedMail);
        }

        var error = PathParser.TryParse(argument, "TO:", allowNullPath: false, smtpUtf8Allowed: envelope.SmtpUtf8, out var path);
        if (error != PathError.None)
        {
            return ProtocolError(error == PathError.NonAscii ? SmtpReplies.NonAsciiWithoutSmtpUtf8 : SmtpReplies.InvalidRecipient);
        }

        if (envelope.Recipients.Count >= connector.Connector.MaxRecipientsPerMessage)
        {
            return Reply(SmtpReplies.TooManyRecipients);
        }

        string? notify = null;
        string? orcpt = null;
        foreach (var (key, value) in path!.Parameters)
        {
            if (key.Equals("NOTIFY", StringComparison.OrdinalIgnoreCase) && extended && IsValidNotify(value))
            {
                notify = value!.ToUpperInvariant();
            }
            else if (key.Equals("ORCPT", StringComparison.OrdinalIgnoreCase) && extended && value is not null && value.Contains(';', StringComparison.Ordinal))
            {
                orcpt = value;
            }
            else
            {
                return ProtocolError(SmtpReplies.UnsupportedParameter);
            }
        }

        // No open relay: a recipient outside the accepted domains needs the relay right, which only
        // authenticated users and servers get (security-and-reliability.md §3).
        var domainType = connector.Recipients.AcceptedDomainOf(path.Domain)?.DomainType;
        if (domainType is null && !permissions.HasFlag(SmtpPermissions.SMTPAcceptAnyRecipient))
        {
            log.Information(path.Address, "relay denied");
            return Reply(SmtpReplies.RelayDenied);
        }

        // An address of ours that names another host is refused, never interpreted or looked up: the
        // percent hack, bang paths and quoted '@' were how relays were abused (security-and-reliability.md
        // §3, RL-02..RL-06), and delivering them literally made a mailbox of any string (issue 14).
        if (domainType is not null && (path.HadSourceRoute ? "a source route" : MailboxAddress.RoutingSyntax(path.LocalPart)) is { } routing)
        {
            log.Information(path.Address, "recipient address routes through another host: " + routing);
            return Reply(SmtpReplies.RoutedRecipient(routing));
        }

        if (domainType == AcceptedDomainType.Authoritative && !connector.IsKnownLocalRecipient(path.Address))
        {
            return UnknownRecipient(path.Address);
        }

        envelope.Recipients.Add(new SpooledRecipient(path.Address, notify, orcpt));
        return Reply(SmtpReplies.RecipientOk);
    }

    /// <summary>
    /// Refuses an unknown local recipient. Unauthenticated senders wait TarpitInterval times the number
    /// of unknown recipients so far before each answer, and the refusals count towards MaxProtocolErrors,
    /// so guessing addresses (a directory harvest) gets slower and then disconnected (RL-15).
    /// </summary>
    private Next UnknownRecipient(string address)
    {
        log.Information(address, "recipient not found");
        unknownRecipients++;
        var next = ProtocolError(SmtpReplies.RecipientNotFound);
        if (next == Next.Close || authenticatedUser is not null || connector.Connector.TarpitInterval <= TimeSpan.Zero)
        {
            return next;
        }

        tarpitDelay = connector.Connector.TarpitInterval * unknownRecipients;
        return Next.Tarpit;
    }

    private static bool IsValidNotify(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var parts = value.Split(',');
        return parts.Length == 1 && parts[0].Equals("NEVER", StringComparison.OrdinalIgnoreCase)
            || parts.All(p => p.Equals("SUCCESS", StringComparison.OrdinalIgnoreCase) || p.Equals("FAILURE", StringComparison.OrdinalIgnoreCase) || p.Equals("DELAY", StringComparison.OrdinalIgnoreCase));
    }

    private Next Data(string argument, in ReadOnlySequence<byte> pending)
    {
        if (argument.Length > 0)
        {
            return ProtocolError(SmtpReplies.NoParametersAllowed);
        }

        if (envelope is null)
        {
            return ProtocolError(helo is null ? SmtpReplies.SendHelloFirst : SmtpReplies.NeedMail);
        }

        if (envelope.Recipients.Count == 0)
        {
            return ProtocolError(SmtpReplies.NeedRcpt);
        }

        if (envelope.Body == "BINARYMIME")
        {
            return ProtocolError(SmtpReplies.BinaryMimeNeedsBdat);
        }

        if (bdat is not null)
        {
            return ProtocolError("503 5.5.1 DATA is not allowed during a BDAT transfer");
        }

        if (pending.Length > 0)
        {
            // RFC 2920 §3.1: DATA ends a pipelined group; content before our 354 is a client that does
            // not wait for replies, the precondition of smuggling. Refuse and close.
            Reply(SmtpReplies.SynchronizationError);
            return Next.Close;
        }

        Reply(SmtpReplies.StartMailInput);
        return Next.ReceiveData;
    }

    private async Task<bool> ReceiveDataAsync()
    {
        using var acceptance = BeginAcceptance();
        var dot = new DotReader(connector.Connector.MaxMessageSize);
        log.Information(null, "receiving message");
        while (true)
        {
            var result = await ReadAsync();
            if (result is null)
            {
                return false;
            }

            var status = dot.Read(result.Value.Buffer, acceptance, out var consumed);
            if (status == DotReaderStatus.NeedMoreData)
            {
                reader.AdvanceTo(consumed, result.Value.Buffer.End);
                if (result.Value.IsCompleted)
                {
                    return false; // the client went away mid-message: nothing was acknowledged, nothing is kept
                }

                continue;
            }

            reader.AdvanceTo(consumed);
            if (status == DotReaderStatus.InvalidLineEnding)
            {
                log.Information(null, "bare CR, LF or NUL in message content; message refused and connection closed");
                Reply(SmtpReplies.BareLineEndingInData);
                ResetTransaction();
                return false;
            }

            break;
        }

        if (dot.TooLarge)
        {
            ResetTransaction();
            Reply(SmtpReplies.MessageTooBig);
            return true;
        }

        if (dot.LineTooLong)
        {
            ResetTransaction();
            Reply(SmtpReplies.LineTooLong);
            return true;
        }

        Accept(acceptance);
        return true;
    }

    /// <summary>
    /// One BDAT transfer (RFC 3030). <see cref="Acceptance"/> is null when the chunks belong to no live
    /// transaction — BDAT without MAIL/RCPT, or pipelined chunks after a failed one — and are read and
    /// discarded (RFC 3030 §2: the receiver must accept and discard chunks already in the pipeline).
    /// </summary>
    private sealed class BdatTransfer(MessageAcceptance? acceptance, string? failureReply = null)
    {
        public MessageAcceptance? Acceptance { get; private set; } = acceptance;

        public long Remaining { get; set; }

        public bool Last { get; set; }

        /// <summary>Set once the chunk cannot succeed; the rest of it is read, discarded and answered with this.</summary>
        public string? FailureReply { get; private set; } = failureReply;

        public BdatLineEndings LineEndings { get; } = new();

        /// <summary>Gives the staging file up at once (a 36 MB file must not wait for the session's end) and discards the rest.</summary>
        public void Fail(string reply)
        {
            FailureReply = reply;
            Acceptance?.Dispose();
            Acceptance = null;
        }
    }

    private Next Bdat(string argument)
    {
        if (!BdatCommand.TryParse(argument, out var size, out var last))
        {
            // Without a chunk length the byte stream cannot be followed any more.
            Reply(SmtpReplies.SyntaxError);
            return Next.Close;
        }

        bdat ??= envelope is null || envelope.Recipients.Count == 0
            ? new BdatTransfer(null, envelope is null ? SmtpReplies.NeedMail : SmtpReplies.NeedRcpt)
            : new BdatTransfer(BeginAcceptance());
        bdat.Remaining = size;
        bdat.Last = last;
        return Next.ReceiveChunk;
    }

    /// <summary>Reads exactly the announced octets (RFC 3030), streaming them to the spool; never buffered whole.</summary>
    private async Task<bool> ReceiveChunkAsync()
    {
        var transfer = bdat!;
        var binary = envelope?.Body == "BINARYMIME";
        while (transfer.Remaining > 0)
        {
            var result = await ReadAsync();
            if (result is null)
            {
                return false;
            }

            var take = result.Value.Buffer.Slice(0, Math.Min(result.Value.Buffer.Length, transfer.Remaining));
            foreach (var segment in take)
            {
                if (transfer.Acceptance is not { } acceptance)
                {
                    break;
                }

                if (!binary && !transfer.LineEndings.Accept(segment.Span))
                {
                    reader.AdvanceTo(take.End);
                    return RefuseBadContent();
                }

                acceptance.Write(segment.Span);
                if (acceptance.Size > connector.Connector.MaxMessageSize)
                {
                    transfer.Fail(SmtpReplies.MessageTooBig);
                }
            }

            transfer.Remaining -= take.Length;
            reader.AdvanceTo(take.End);
            if (result.Value.IsCompleted && transfer.Remaining > 0)
            {
                return false;
            }
        }

        if (transfer.FailureReply is not null)
        {
            // RFC 3030 §2: a 4xx/5xx to a BDAT fails the transaction. Reset it, so the next MAIL starts a
            // new one; chunks still in the pipeline find no transaction and are discarded.
            Reply(transfer.FailureReply);
            ResetTransaction();
            return true;
        }

        if (!transfer.Last)
        {
            Reply(SmtpReplies.ChunkReceived(transfer.Acceptance!.Size));
            return true;
        }

        if (!binary && transfer.LineEndings.PendingCr)
        {
            return RefuseBadContent();
        }

        bdat = null;
        using (transfer.Acceptance)
        {
            Accept(transfer.Acceptance!);
        }

        return true;
    }

    private bool RefuseBadContent()
    {
        log.Information(null, "bare CR, LF or NUL in BDAT content; message refused and connection closed");
        Reply(SmtpReplies.BareLineEndingInData);
        ResetTransaction();
        return false;
    }

    private MessageAcceptance BeginAcceptance()
    {
        var now = context.Time.GetUtcNow();
        var spooled = new SpooledEnvelope
        {
            Id = Guid.CreateVersion7().ToString("N"),
            InternalId = context.NextInternalId(),
            ReceivedUtc = now,
            ConnectorId = connector.Identity,
            SessionId = log.SessionId,
            ClientAddress = remote.Address.ToString(),
            ClientHelo = helo ?? string.Empty,
            ServerAddress = local.Address.ToString(),
            ServerHostname = connector.Fqdn,
            AuthenticatedAs = authenticatedUser,
            Tls = tls is null ? null : $"{tls.SslProtocol} {tls.NegotiatedCipherSuite}",
            MailFrom = envelope!.From,
            DeclaredSize = envelope.DeclaredSize,
            Body = envelope.Body,
            SmtpUtf8 = envelope.SmtpUtf8,
            Ret = envelope.Ret,
            EnvelopeId = envelope.EnvelopeId,
            Recipients = [.. envelope.Recipients],
            TraceParent = envelope.Trace?.Id,
        };
        var acceptance = new MessageAcceptance(context.Spool.Begin(spooled));
        acceptance.WriteTrace(ReceivedHeader(spooled, now));
        return acceptance;
    }

    /// <summary>Commits the message to the spool, and only then answers 250 and logs RECEIVE.</summary>
    private void Accept(MessageAcceptance acceptance)
    {
        var spooled = acceptance.Envelope;
        if (acceptance.ReceivedCount > connector.Connector.MaxHopCount)
        {
            log.Information(acceptance.ReceivedCount.ToString(CultureInfo.InvariantCulture), "Received headers: message refused as a mail loop");
            Reply(SmtpReplies.HopCountExceeded);
            ResetTransaction();
            return;
        }

        try
        {
            acceptance.Commit();
        }
        catch (IOException ex)
        {
            log.Information(ex.Message, "queue write failed");
            Reply(ex.HResult == 28 || ex.Message.Contains("No space", StringComparison.OrdinalIgnoreCase) ? SmtpReplies.InsufficientStorage : SmtpReplies.QueueWriteFailed);
            ResetTransaction();
            return;
        }

        context.OnMessageAccepted();
        var messageId = acceptance.MessageId ?? $"<{spooled.Id}@{connector.Fqdn}>";
        TransportMetrics.MessageReceived(connector.Identity);
        context.Tracking.Write(new TrackingEvent
        {
            EventId = "RECEIVE",
            Source = "SMTP",
            ClientIp = spooled.ClientAddress,
            ClientHostname = spooled.ClientHelo,
            ServerIp = local.Address.ToString(),
            ServerHostname = connector.Fqdn,
            SourceContext = log.SessionId,
            ConnectorId = connector.Identity,
            InternalMessageId = spooled.InternalId,
            MessageId = messageId,
            NetworkMessageId = Guid.ParseExact(spooled.Id, "N"),
            Recipients = spooled.Recipients.Select(r => r.Address).ToList(),
            RecipientStatus = spooled.Recipients.Select(_ => "250 2.1.5 Recipient OK").ToList(),
            TotalBytes = acceptance.Size,
            Subject = acceptance.Subject,
            Sender = spooled.MailFrom,
            ReturnPath = spooled.MailFrom,
            Directionality = "Incoming",
        });
        var queued = SmtpReplies.Queued(messageId, spooled.InternalId, connector.Fqdn);
        Reply(queued);
        if (envelope?.Trace is { IsAllDataRequested: true } trace)
        {
            trace.SetTag(TransportTracing.Connector, connector.Identity);
            trace.SetTag(TransportTracing.ClientAddress, spooled.ClientAddress);
            trace.SetTag(TransportTracing.ClientPort, remote.Port);
            trace.SetTag(TransportTracing.ServerAddress, connector.Fqdn);
            trace.SetTag(TransportTracing.ServerPort, local.Port);
            trace.SetTag(TransportTracing.MessageId, messageId);
            trace.SetTag(TransportTracing.InternalMessageId, spooled.InternalId);
            trace.SetTag(TransportTracing.NetworkMessageId, spooled.Id);
            trace.SetTag(TransportTracing.RecipientCount, spooled.Recipients.Count);
            trace.SetTag(TransportTracing.Size, acceptance.Size);
            trace.SetTag(TransportTracing.Status, queued);
            trace.SetTag(TransportTracing.Outcome, "accepted");
        }

        ResetTransaction();
    }

    private string ReceivedHeader(SpooledEnvelope spooled, DateTimeOffset now)
    {
        // RFC 3848 protocol keywords: ESMTP, ESMTPS (TLS), ESMTPA (AUTH), ESMTPSA.
        var protocol = (extended ? "ESMTP" : "SMTP") + (tls is not null ? "S" : string.Empty) + (authenticatedUser is not null ? "A" : string.Empty);
        var tlsDetail = tls is null ? string.Empty : $" (version={tls.SslProtocol}, cipher={tls.NegotiatedCipherSuite})";
        var date = now.ToString("ddd, d MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        return $"Received: from {spooled.ClientHelo} ([{spooled.ClientAddress}]) by {connector.Fqdn}\r\n with {protocol}{tlsDetail} id {spooled.Id}; {date}\r\n";
    }

    /// <summary>Ends the transaction however it ended: any staging file it holds is deleted now.</summary>
    private void ResetTransaction()
    {
        if (envelope?.Trace is { } trace)
        {
            if (trace.IsAllDataRequested && trace.GetTagItem(TransportTracing.Outcome) is null)
            {
                // RSET, a refusal after MAIL FROM, or the client gone: no 250, nothing queued.
                trace.SetTag(TransportTracing.Connector, connector.Identity);
                trace.SetTag(TransportTracing.ClientAddress, remote.Address.ToString());
                trace.SetTag(TransportTracing.Outcome, "not_accepted");
            }

            trace.Dispose();
        }

        envelope = null;
        bdat?.Acceptance?.Dispose();
        bdat = null;
    }
}
