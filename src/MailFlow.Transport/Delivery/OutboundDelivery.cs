using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Logs;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailFlow.Transport.Delivery;

/// <summary>The result of one delivery attempt to one send connector's next hop.</summary>
public sealed record OutboundAttempt
{
    /// <summary>Per recipient: the remote reply, and whether it is final (2xx or 5xx) or a deferral.</summary>
    public required IReadOnlyDictionary<string, RecipientOutcome> Recipients { get; init; }

    /// <summary>Exchange's LastErrorDetail for a failed attempt, e.g. <c>450 4.7.320 Certificate validation failed</c>.</summary>
    public string? LastErrorDetail { get; init; }

    /// <summary>The whole reason in Exchange Online's form when the attempt failed before any recipient was answered.</summary>
    public string? Reason { get; init; }

    public OutboundValidationOutcome? Validation { get; init; }

    public string? TargetHost { get; init; }

    public string? TargetAddress { get; init; }
}

public sealed record RecipientOutcome(bool Delivered, bool Permanent, string Status);

/// <summary>Which Exchange Online reason layout deferrals are written in (exchange-semantics.md §5).</summary>
public enum ReasonFormat
{
    /// <summary><c>[{LED=…};{MSG=…};{FQDN=…};{IP=…};{LRT=…}]</c>, the seed's form.</summary>
    Brace,

    /// <summary><c>450 4.4.317 Cannot connect to remote server [Message=…] [LastAttemptedServerName=…] [LastAttemptedIP=…]</c>.</summary>
    Bracket,
}

/// <summary>
/// Sends a spooled message through a send connector with MailKit's SmtpClient, validating the
/// receiver's certificate with MailFlow's own validator (never .NET's name check), honouring the
/// connector's RequireTLS and TlsAuthLevel, and turning every failure into Exchange's codes.
/// </summary>
public sealed class OutboundDelivery
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private readonly MailFlowConfiguration configuration;
    private readonly TrustAnchors anchors;
    private readonly TimeProvider time;
    private readonly ReasonFormat reasonFormat;

    private readonly ProtocolLog? sendLog;

    public OutboundDelivery(MailFlowConfiguration configuration, TrustAnchors anchors, ReasonFormat reasonFormat = ReasonFormat.Brace, TimeProvider? time = null, ProtocolLog? sendLog = null)
    {
        this.configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        this.anchors = anchors ?? throw new ArgumentNullException(nameof(anchors));
        this.reasonFormat = reasonFormat;
        this.time = time ?? TimeProvider.System;
        this.sendLog = sendLog;
    }

    public async Task<OutboundAttempt> SendAsync(SendConnector connector, string mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(recipients);
        var domain = recipients[0][(recipients[0].LastIndexOf('@') + 1)..];
        var hop = connector.DNSRoutingEnabled ? new SmartHost(domain, null) : (SmartHost.TryParse(connector.SmartHosts[0], out var smart, out _) ? smart! : new SmartHost(connector.SmartHosts[0], null));
        var port = hop.Port ?? connector.Port;
        IPAddress address;
        try
        {
            address = await ResolveAsync(hop.Host, cancellationToken);
        }
        catch (SocketException)
        {
            return Deferred(recipients, "450 4.4.312 DNS query failed", hop.Host, null, null);
        }

        var endpoint = new IPEndPoint(address, port);
        OutboundValidationOutcome? validation = null;
        var log = (sendLog ?? new ProtocolLog(null, CertificateLogFormat.MultiLine)).Begin(
            connector.ProtocolLoggingLevel == ProtocolLoggingLevel.Verbose, connector.Name, ProtocolLog.NextSessionId(), null, endpoint);
        using var client = new PerRecipientSmtpClient(new SmtpSendProtocolLogger(log))
        {
            LocalDomain = connector.Fqdn ?? configuration.Server.Fqdn,
            CheckCertificateRevocation = false,
            Timeout = (int)ConnectTimeout.TotalMilliseconds,
        };
        client.ServerCertificateValidationCallback = (_, certificate, chain, _) =>
        {
            if (certificate is null)
            {
                return false;
            }

            var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            log.Certificate(new CertificateLogRecord(leaf.Subject, leaf.Issuer, leaf.SerialNumber, leaf.Thumbprint, leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime(),
                MailFlow.Certificates.Names.PresentedIdentifiers.From(leaf).DnsNames), sending: false);
            var presented = chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>().ToList() ?? [];
            var level = connector.RequireTLS ? connector.TlsAuthLevel ?? TlsAuthLevel.EncryptionOnly : TlsAuthLevel.EncryptionOnly;
            validation = OutboundCertificateValidator.Validate(leaf, presented,
                new OutboundValidationRequest(level, connector.TlsDomain, domain) { NameProfile = configuration.Tls.OutboundNameMatchProfile, Revocation = configuration.Tls.RevocationCheck },
                anchors, time.GetUtcNow());
            return validation.Passed;
        };

        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        StartTlsInjectionGuard? guard = null;
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(endpoint, connectTimeout.Token);
            guard = new StartTlsInjectionGuard(new NetworkStream(socket, ownsSocket: false)); // MailKit owns and disposes it
            await client.ConnectAsync(guard, hop.Host, port, connector.RequireTLS ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable, cancellationToken);
            if (client.IsSecure)
            {
                log.TlsNegotiated(client.SslProtocol, client.SslCipherSuite ?? default, server: false);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return Deferred(recipients, "450 4.4.316 Connection refused [Message=Socket error code 10061]", hop.Host, endpoint, null);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Deferred(recipients, "450 4.4.315 Connection timed out", hop.Host, endpoint, null);
        }
        catch (SslHandshakeException) when (validation is { Passed: false } failed)
        {
            log.Information(failed.Token!.Name, "certificate validation failed");
            var reason = reasonFormat == ReasonFormat.Brace
                ? failed.FormatBraceReason(hop.Host, address.ToString(), time.GetUtcNow())
                : failed.FormatBracketReason(hop.Host, endpoint.ToString());
            var detail = reasonFormat == ReasonFormat.Brace ? OutboundValidationOutcome.LegacyLastErrorDetail : OutboundValidationOutcome.BracketLastErrorPrefix;
            return new OutboundAttempt
            {
                Recipients = recipients.ToDictionary(r => r, _ => new RecipientOutcome(false, false, detail)),
                LastErrorDetail = detail,
                Reason = reason,
                Validation = failed,
                TargetHost = hop.Host,
                TargetAddress = address.ToString(),
            };
        }
        catch (SslHandshakeException ex)
        {
            return Deferred(recipients, $"450 4.4.317 Cannot connect to remote server [Message=TLS negotiation failed: {ex.InnerException?.Message ?? ex.Message}]", hop.Host, endpoint, null);
        }
        catch (Exception) when (guard is { InjectionDetected: true })
        {
            log.Information(null, "data after the STARTTLS reply: response injection, connection abandoned");
            return Deferred(recipients, "450 4.4.317 Cannot connect to remote server [Message=STARTTLS response injection: data followed the 220 reply]", hop.Host, endpoint, null);
        }
        catch (NotSupportedException)
        {
            // RequireTLS and the server did not offer STARTTLS: never fall back to plaintext.
            return Deferred(recipients, "450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail]", hop.Host, endpoint, null);
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or SmtpCommandException)
        {
            return Deferred(recipients, "450 4.4.318 Connection was closed abruptly", hop.Host, endpoint, null);
        }

        try
        {
            using var stream = new MemoryStream(LineEndings.Canonicalize(content.Span), writable: false);
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            var reply = await client.SendAsync(FormatOptions.Default, message, MailboxAddress.Parse(mailFrom.Length == 0 ? "<>" : mailFrom), recipients.Select(MailboxAddress.Parse), cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return new OutboundAttempt
            {
                Recipients = recipients.ToDictionary(r => r, r => client.Rejected.TryGetValue(r, out var rejected) ? rejected : new RecipientOutcome(true, true, reply)),
                Validation = validation,
                TargetHost = hop.Host,
                TargetAddress = address.ToString(),
            };
        }
        catch (SmtpCommandException ex)
        {
            var status = $"{(int)ex.StatusCode} {ex.Message}";
            var permanent = (int)ex.StatusCode >= 500;
            return new OutboundAttempt
            {
                Recipients = recipients.ToDictionary(r => r, r => client.Rejected.TryGetValue(r, out var rejected) ? rejected : new RecipientOutcome(false, permanent, status)),
                LastErrorDetail = status,
                Validation = validation,
                TargetHost = hop.Host,
                TargetAddress = address.ToString(),
            };
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException)
        {
            return Deferred(recipients, "450 4.4.318 Connection was closed abruptly", hop.Host, endpoint, validation);
        }
    }

    private async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return literal;
        }

        if (configuration.HostsOverride.TryGetValue(host, out var overridden))
        {
            return IPAddress.Parse(overridden);
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
        return addresses.Length > 0 ? addresses[0] : throw new SocketException((int)SocketError.HostNotFound);
    }

    private static OutboundAttempt Deferred(IReadOnlyList<string> recipients, string detail, string host, IPEndPoint? endpoint, OutboundValidationOutcome? validation) => new()
    {
        Recipients = recipients.ToDictionary(r => r, _ => new RecipientOutcome(false, false, detail)),
        LastErrorDetail = detail,
        Validation = validation,
        TargetHost = host,
        TargetAddress = endpoint?.Address.ToString(),
    };

    /// <summary>MailKit aborts the whole send on one refused recipient by default; a relay must record it and go on.</summary>
    private sealed class PerRecipientSmtpClient(IProtocolLogger logger) : SmtpClient(logger)
    {
        public Dictionary<string, RecipientOutcome> Rejected { get; } = new(StringComparer.OrdinalIgnoreCase);

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        {
            var code = (int)response.StatusCode;
            Rejected[mailbox.Address] = new RecipientOutcome(false, code >= 500, $"{code} {response.Response}");
        }
    }
}
