using MailFlow.Certificates.Validation;
using MailFlow.Queue;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// One open SMTP connection to a destination, already past EHLO and the connector's TLS policy. It
/// carries up to SmtpMaxMessagesPerConnection messages, one transaction each; any error that leaves the
/// conversation in doubt closes it instead of reusing it.
/// </summary>
public sealed class OutboundSession : IAsyncDisposable
{
    private readonly PerRecipientSmtpClient client;

    internal OutboundSession(PerRecipientSmtpClient client, string targetHost, string targetAddress, OutboundValidationOutcome? validation, string localAddress, string sessionId)
    {
        this.client = client;
        TargetHost = targetHost;
        TargetAddress = targetAddress;
        Validation = validation;
        LocalAddress = localAddress;
        SessionId = sessionId;
    }

    public string TargetHost { get; }

    public string TargetAddress { get; }

    /// <summary>The local address of the connection: the tracking log's client-ip of a SEND.</summary>
    public string LocalAddress { get; }

    /// <summary>The SmtpSend protocol-log session id of the connection.</summary>
    public string SessionId { get; }

    public OutboundValidationOutcome? Validation { get; }

    public bool IsSecure => client.IsSecure;

    /// <summary>How many transactions this connection has carried.</summary>
    public int MessagesSent { get; private set; }

    /// <summary>Whether the connection can carry another message.</summary>
    public bool IsReusable => client.IsConnected && !broken;

    private bool broken;

    /// <summary>Offers one message: MAIL, every RCPT (pipelined when offered), then DATA or BDAT; one outcome per recipient.</summary>
    public async Task<OutboundAttempt> SendAsync(SpooledEnvelope envelope, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(recipients);
        MessagesSent++;
        client.Rejected.Clear();
        if (envelope.SmtpUtf8 && !client.Capabilities.HasFlag(SmtpCapabilities.UTF8))
        {
            // RFC 6531 §3.5: without SMTPUTF8 at the next hop the message cannot be relayed as it is, and we
            // do not downgrade internationalised headers (docs/decisions/0014), so it is returned to the sender.
            return Final(recipients, "550 5.6.7 The message needs SMTPUTF8, which the remote server does not offer");
        }

        MimeMessage message;
        using (var stream = new MemoryStream(LineEndings.Canonicalize(content.Span), writable: false))
        {
            message = await MimeMessage.LoadAsync(stream, cancellationToken);
        }

        if (!client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime) && !client.Capabilities.HasFlag(SmtpCapabilities.BinaryMime))
        {
            // RFC 6152 §3: 8-bit content to a server without 8BITMIME must be converted to 7 bits first
            // (quoted-printable or base64 per part), which MimeKit does part by part.
            message.Prepare(EncodingConstraint.SevenBit);
        }

        try
        {
            // MailKit returns the text of the final reply and throws for anything but 250, so the code is 250.
            var reply = await client.SendAsync(FormatOptions.Default, message, Mailbox(envelope.MailFrom), recipients.Select(Mailbox), cancellationToken);
            return Outcomes(recipients, new RecipientOutcome(true, true, "250 " + reply), null);
        }
        catch (NoRecipientsAcceptedException)
        {
            broken = true;
            return Outcomes(recipients, new RecipientOutcome(false, false, "451 4.4.0 no recipient was accepted"), null);
        }
        catch (SmtpCommandException ex)
        {
            broken = true;
            var status = $"{(int)ex.StatusCode} {ex.Message}";
            return Outcomes(recipients, new RecipientOutcome(false, (int)ex.StatusCode >= 500, status), status);
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException)
        {
            broken = true;
            const string dropped = "450 4.4.318 Connection was closed abruptly";
            return Outcomes(recipients, new RecipientOutcome(false, false, dropped), dropped) with { ConnectionLost = true };
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (client.IsConnected)
            {
                using var quitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await client.DisconnectAsync(quit: !broken, quitTimeout.Token);
            }
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or OperationCanceledException or SmtpCommandException)
        {
            // The messages are already settled; a QUIT that fails changes nothing.
        }
        finally
        {
            client.Dispose();
        }
    }

    private static MailboxAddress Mailbox(string address) => address.Length == 0 ? new MailboxAddress(string.Empty, string.Empty) : MailboxAddress.Parse(address);

    private OutboundAttempt Final(IReadOnlyList<string> recipients, string status) =>
        Outcomes(recipients, new RecipientOutcome(false, true, status), status);

    private OutboundAttempt Outcomes(IReadOnlyList<string> recipients, RecipientOutcome otherwise, string? lastError) => new()
    {
        Recipients = recipients.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(r => r, r => client.Rejected.TryGetValue(r, out var rejected) ? rejected : otherwise, StringComparer.OrdinalIgnoreCase),
        LastErrorDetail = lastError ?? client.Rejected.Values.FirstOrDefault(r => !r.Permanent)?.Status,
        Validation = Validation,
        TargetHost = TargetHost,
        TargetAddress = TargetAddress,
        LocalAddress = LocalAddress,
        SessionId = SessionId,
    };
}

/// <summary>
/// MailKit's client with two relay behaviours: a refused recipient is recorded and the others still get
/// the message (MailKit aborts the whole send by default), and BDAT is used whenever CHUNKING is offered.
/// </summary>
internal sealed class PerRecipientSmtpClient(IProtocolLogger logger) : SmtpClient(logger)
{
    /// <summary>
    /// MailFlow judges the receiver's certificate itself (OutboundCertificateValidator, in the validation
    /// callback); the chain .NET builds before that callback only carries the presented intermediates to it.
    /// Built against the system roots it cost about a millisecond of CPU per session (OpenSSL re-sorts its
    /// store for each of ~140 roots added), so it is built against no roots and never downloads
    /// intermediates (AIA): the verdict it reaches is ignored either way.
    /// </summary>
    protected override SslClientAuthenticationOptions GetSslClientAuthenticationOptions(string host, RemoteCertificateValidationCallback validationCallback)
    {
        var options = base.GetSslClientAuthenticationOptions(host, validationCallback);
        // SslStream asks for the client certificate when the handshake starts and passes itself: the one public
        // way to the stream MailKit negotiates on. The answer is the connector's certificate, the only one offered.
        options.LocalCertificateSelectionCallback = (sender, _, localCertificates, _, _) =>
        {
            Tls = sender as SslStream;
            return localCertificates.Count > 0 ? localCertificates[0] : null!;
        };
        options.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        return options;
    }

    /// <summary>
    /// The TLS stream once its handshake has started. MailKit reports SslProtocol only after the EHLO that
    /// follows STARTTLS, later than Exchange logs the negotiated protocol.
    /// </summary>
    public SslStream? Tls { get; private set; }

    public Dictionary<string, RecipientOutcome> Rejected { get; } = new(StringComparer.OrdinalIgnoreCase);

    protected override bool PreferSendAsBinaryData => Capabilities.HasFlag(SmtpCapabilities.Chunking);

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        var code = (int)response.StatusCode;
        Rejected[mailbox.Address] = new RecipientOutcome(false, code >= 500, $"{code} {response.Response}");
    }

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientsAcceptedException();
}

/// <summary>Every RCPT was refused; the per-recipient replies are in <see cref="PerRecipientSmtpClient.Rejected"/>.</summary>
internal sealed class NoRecipientsAcceptedException : Exception
{
    public NoRecipientsAcceptedException()
        : base("no recipient was accepted")
    {
    }

    public NoRecipientsAcceptedException(string message)
        : base(message)
    {
    }

    public NoRecipientsAcceptedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
