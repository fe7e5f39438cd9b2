using MailFlow.Core.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Names;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Logs;
using MailFlow.Queue;
using MailFlow.Transport.Routing;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// Opens SMTP sessions through a send connector with MailKit's SmtpClient: resolves the next hop,
/// presents the connector's client certificate, validates the receiver's certificate with MailFlow's
/// own validator (never .NET's name check), honours RequireTLS and TlsAuthLevel, and turns every
/// failure into Exchange's codes (docs/decisions/0013, 0014).
/// </summary>
public sealed class OutboundDelivery
{
    /// <summary>Exchange's text when a send connector's TlsCertificateName names no usable certificate.</summary>
    public const string ClientCertificateMissing = "454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found.";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private readonly MailFlowConfiguration configuration;
    private readonly TrustAnchors anchors;
    private readonly TimeProvider time;
    private readonly ReasonFormat reasonFormat;
    private readonly ProtocolLog sendLog;
    private readonly IReadOnlyList<ExchangeCertificate> certificates;
    private readonly NextHopResolver resolver;

    public OutboundDelivery(MailFlowConfiguration configuration, TrustAnchors anchors, ReasonFormat reasonFormat = ReasonFormat.Brace, TimeProvider? time = null, ProtocolLog? sendLog = null, IReadOnlyList<ExchangeCertificate>? certificates = null)
    {
        this.configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        this.anchors = anchors ?? throw new ArgumentNullException(nameof(anchors));
        this.reasonFormat = reasonFormat;
        this.time = time ?? TimeProvider.System;
        this.sendLog = sendLog ?? new ProtocolLog(null, CertificateLogFormat.MultiLine);
        this.certificates = certificates ?? [];
        resolver = new NextHopResolver(configuration);
    }

    /// <summary>Sends one message over a connection of its own (the delivery agent reuses connections through <see cref="ConnectAsync"/>).</summary>
    public async Task<OutboundAttempt> SendAsync(SendConnector connector, string mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        var envelope = new SpooledEnvelope
        {
            Id = string.Empty, InternalId = 0, ReceivedUtc = time.GetUtcNow(), ConnectorId = string.Empty, SessionId = string.Empty,
            ClientAddress = string.Empty, ClientHelo = string.Empty, MailFrom = mailFrom, Recipients = recipients.Select(r => new SpooledRecipient(r)).ToList(),
        };
        var (session, failure) = await ConnectAsync(connector, Domain(recipients[0]), cancellationToken);
        if (session is null)
        {
            return OutboundAttempt.AllRecipients(recipients, failure!);
        }

        await using (session)
        {
            return await session.SendAsync(envelope, recipients, content, cancellationToken);
        }
    }

    /// <summary>
    /// Resolves the destination and connects to its addresses in order until one answers. A refused or
    /// timed-out connection moves on to the next address; a server that answers but fails the TLS policy
    /// ends the attempt, as Exchange Online reports it (docs/decisions/0014).
    /// </summary>
    public async Task<(OutboundSession? Session, OutboundFailure? Failure)> ConnectAsync(SendConnector connector, string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connector);
        var clientCertificate = ClientCertificateFor(connector);
        if (clientCertificate.Missing)
        {
            return (null, new OutboundFailure(ClientCertificateMissing, false, null, null));
        }

        var hop = await resolver.ResolveAsync(connector, domain, cancellationToken);
        if (hop.Targets.Count == 0)
        {
            return (null, new OutboundFailure(hop.Failure!, hop.Permanent, connector.DNSRoutingEnabled ? domain : connector.SmartHosts.FirstOrDefault(), null));
        }

        OutboundFailure? last = null;
        foreach (var target in hop.Targets)
        {
            var (session, failure, tryNext) = await ConnectToAsync(connector, domain, target, clientCertificate.Certificate, cancellationToken);
            if (session is not null)
            {
                return (session, null);
            }

            last = failure;
            if (!tryNext)
            {
                break;
            }
        }

        return (null, last);
    }

    private async Task<(OutboundSession? Session, OutboundFailure? Failure, bool TryNext)> ConnectToAsync(SendConnector connector, string domain, NextHopTarget target, X509Certificate2? clientCertificate, CancellationToken cancellationToken)
    {
        var endpoint = new IPEndPoint(target.Address, target.Port);
        OutboundValidationOutcome? validation = null;
        CertificateLogRecord? presented = null; // read in the callback: SslStream disposes the certificate after the handshake
        ProtocolLogSession? log = null;
        PerRecipientSmtpClient? client = null;
        var socket = new Socket(target.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        StartTlsInjectionGuard? guard = null;
        OutboundFailure Failed(string detail) => new(detail, false, target.Host, target.Address.ToString()) { Validation = validation };
        try
        {
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(ConnectTimeout);
                await socket.ConnectAsync(endpoint, connectTimeout.Token);
            }

            // The session is logged once the connection exists: every Exchange SmtpSend row names both of its
            // ends, and its first row is the "+" (exchange-semantics.md §3.3).
            var local = (IPEndPoint)socket.LocalEndPoint!;
            var session = sendLog.Begin(connector.ProtocolLoggingLevel == ProtocolLoggingLevel.Verbose, connector.Name, ProtocolLog.NextSessionId(), local, endpoint);
            log = session;
            var logger = new SmtpSendProtocolLogger(session);
            var smtp = new PerRecipientSmtpClient(logger)
            {
                LocalDomain = connector.Fqdn ?? configuration.Server.Fqdn,
                CheckCertificateRevocation = false,
                Timeout = (int)ConnectTimeout.TotalMilliseconds,
            };
            client = smtp;
            if (clientCertificate is not null)
            {
                smtp.ClientCertificates = [clientCertificate];
                // KB-NOCRED's SmtpSend sample: the certificate block comes between the 220 to STARTTLS and the handshake's result.
                logger.HandshakeStarting = () => session.Certificate(CertificateRecord(clientCertificate), sending: true);
            }

            // CN-CASE's SmtpSend sample: the TLS result right after the handshake, then the peer's certificate,
            // then the EHLO sent over TLS. The protocol and suite are the ones this handshake negotiated.
            logger.HandshakeCompleted = () =>
            {
                if (smtp.Tls is { } tls)
                {
                    session.TlsNegotiated(tls.SslProtocol, tls.NegotiatedCipherSuite, server: false);
                }

                if (presented is not null)
                {
                    session.Certificate(presented, sending: false);
                }
            };
            smtp.ServerCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                presented = CertificateRecord(leaf);
                var intermediates = chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>().ToList() ?? [];
                var level = connector.RequireTLS ? connector.TlsAuthLevel ?? TlsAuthLevel.EncryptionOnly : TlsAuthLevel.EncryptionOnly;
                validation = OutboundCertificateValidator.Validate(leaf, intermediates,
                    new OutboundValidationRequest(level, connector.TlsDomain, domain) { NameProfile = configuration.Tls.OutboundNameMatchProfile, Revocation = configuration.Tls.RevocationCheck },
                    anchors, time.GetUtcNow());
                return validation.Passed;
            };

            guard = new StartTlsInjectionGuard(new NetworkStream(socket, ownsSocket: true)); // MailKit owns and disposes it
            await smtp.ConnectAsync(guard, target.Host, target.Port, connector.RequireTLS ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable, cancellationToken);
            if (smtp.IsSecure)
            {
                TransportMetrics.TlsHandshake("outbound", "success");
            }

            return (new OutboundSession(smtp, target.Host, target.Address.ToString(), validation, local.Address.ToString(), session.SessionId), null, false);
        }
        catch (Exception ex)
        {
            var guardTripped = guard is { InjectionDetected: true };
            (OutboundSession?, OutboundFailure?, bool)? failure;
            try
            {
                failure = Failure(ex, guardTripped);
            }
            finally
            {
                // Disposing the client logs the session's "-"; in Exchange nothing follows it, so the
                // failure lines are written first.
                client?.Dispose();
                if (guard is null)
                {
                    socket.Dispose();
                }
            }

            if (failure is null)
            {
                throw;
            }

            return failure.Value;
        }

        // Null: not a failure of this target (the caller's cancellation, a bug), rethrown as it is.
        (OutboundSession?, OutboundFailure?, bool)? Failure(Exception ex, bool guardTripped)
        {
            switch (ex)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return (null, Failed("450 4.4.316 Connection refused [Message=Socket error code 10061]"), true);
                case SocketException or OperationCanceledException when !cancellationToken.IsCancellationRequested:
                    return (null, Failed("450 4.4.315 Connection timed out"), true);
                case SslHandshakeException when validation is { Passed: false } failed:
                    // MailFlow ended the handshake over the certificate: the peer's record, then Exchange's
                    // failure line naming the token Exchange Online puts in {MSG=…} (decision 0022).
                    LogPresented();
                    log?.TlsFailed(failed.Token!.Name);
                    TransportMetrics.TlsHandshake("outbound", failed.Token!.Name);
                    var reason = reasonFormat == ReasonFormat.Brace
                        ? failed.FormatBraceReason(target.Host, target.Address.ToString(), time.GetUtcNow())
                        : failed.FormatBracketReason(target.Host, endpoint.ToString());
                    var detail = reasonFormat == ReasonFormat.Brace ? OutboundValidationOutcome.LegacyLastErrorDetail : OutboundValidationOutcome.BracketLastErrorPrefix;
                    return (null, Failed(detail) with { Reason = reason }, false);
                case SslHandshakeException handshake:
                    // Exchange's form for a handshake that broke without a certificate verdict (exchange-semantics.md §5.2);
                    // .NET's own explanation goes to the SmtpSend log, where an admin looks next.
                    LogPresented();
                    log?.TlsFailed("SocketError");
                    log?.Information(handshake.InnerException?.Message ?? handshake.Message, "TLS handshake detail");
                    TransportMetrics.TlsHandshake("outbound", "SocketError");
                    return (null, Failed("450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS negotiation failed with error SocketError]"), false);
                case not null when guardTripped:
                    log?.Information(null, "data after the STARTTLS reply: response injection, connection abandoned");
                    return (null, Failed("450 4.4.317 Cannot connect to remote server [Message=STARTTLS response injection: data followed the 220 reply]"), false);
                case NotSupportedException:
                    // RequireTLS and the server did not offer STARTTLS: never fall back to plaintext.
                    log?.Information(null, "STARTTLS not offered and RequireTLS is set");
                    return (null, Failed("450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail]"), false);
                case SmtpCommandException command:
                    return (null, Failed($"450 4.4.317 Cannot connect to remote server [Message={(int)command.StatusCode} {command.Message}]"), false);
                case SmtpProtocolException or IOException:
                    return (null, Failed("450 4.4.318 Connection was closed abruptly"), false);
                default:
                    return null;
            }
        }

        void LogPresented()
        {
            if (presented is not null)
            {
                log?.Certificate(presented, sending: false);
            }
        }
    }

    /// <summary>
    /// The client certificate follows the same rules as inbound selection: the connector's
    /// TlsCertificateName, else its Fqdn, else the server FQDN; eligible certificates have a private key
    /// and are enabled for SMTP. A TlsCertificateName that matches nothing stops delivery with Exchange's 454 4.7.5.
    /// </summary>
    private (X509Certificate2? Certificate, bool Missing) ClientCertificateFor(SendConnector connector)
    {
        var name = connector.TlsCertificateName is null ? null : SmtpX509Identifier.Parse(connector.TlsCertificateName);
        var request = new InboundSelectionRequest($"{configuration.Server.Name}\\{connector.Name}", true, name, connector.Fqdn, configuration.Server.Fqdn);
        var decision = InboundCertificateSelector.Select(request, certificates, time.GetUtcNow());
        return (decision.Certificate?.Certificate, decision.Certificate is null && name is not null);
    }

    private static CertificateLogRecord CertificateRecord(X509Certificate2 certificate) =>
        new(certificate.Subject, certificate.Issuer, certificate.SerialNumber, certificate.Thumbprint, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(),
            PresentedIdentifiers.From(certificate).DnsNames);

    private static string Domain(string address) => address[(address.LastIndexOf('@') + 1)..];
}
