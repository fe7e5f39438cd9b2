using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailFlow.Certificates.Names;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;

namespace MailFlow.Diagnostics.Probe;

/// <summary>Options of <c>mailflow probe</c>.</summary>
public sealed record ProbeOptions
{
    /// <summary>The name DomainValidation expects (TlsDomain); default: the host probed.</summary>
    public string? Expect { get; init; }

    /// <summary>SNI name; null sends the host name (when it is a name), "" sends none.</summary>
    public string? Sni { get; init; }

    public SslProtocols Protocols { get; init; } = SslProtocols.None;

    public TrustAnchors Anchors { get; init; } = TrustAnchors.Empty;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Host name → address used instead of DNS (a lab's hosts override).</summary>
    public IReadOnlyDictionary<string, string> HostsOverride { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Probes an SMTP server as a sending MTA would (root-causes.md §4.4): every address separately, banner,
/// EHLO, STARTTLS, the handshake with and without SNI, the full chain as sent, validated offline (no
/// intermediate fetching, like Exchange Online) at each TlsAuthLevel. It never sends mail: QUIT after the
/// handshake.
/// </summary>
public static class SmtpProbe
{
    public static async Task<ProbeReport> ProbeAsync(string host, int port, ProbeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Expect is null && !IPAddress.TryParse(host, out _))
        {
            options = options with { Expect = host }; // DomainValidation checks the host's own name unless told otherwise
        }

        var addresses = await ResolveAsync(host, options, cancellationToken);
        var results = new List<AddressProbe>();
        foreach (var address in addresses)
        {
            results.Add(await ProbeAddressAsync(host, new IPEndPoint(address, port), options, cancellationToken));
        }

        var findings = new List<string>();
        if (results.Select(r => r.Chain.Count > 0 ? r.Chain[0].Thumbprint : null).Distinct().Count() > 1)
        {
            findings.Add("addresses-differ: not every address presents the same certificate (one server fixed, another not?)");
        }

        if (results.Where(r => r.Banner is not null).Select(r => r.StartTlsOffered).Distinct().Count() > 1)
        {
            findings.Add("addresses-differ: STARTTLS is offered on some addresses only");
        }

        return new ProbeReport(host, port, options.Expect ?? host, results, findings);
    }

    private static async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, ProbeOptions options, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return [literal];
        }

        if (options.HostsOverride.TryGetValue(host, out var pinned) && IPAddress.TryParse(pinned, out var pinnedAddress))
        {
            return [pinnedAddress];
        }

        try
        {
            return await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException ex)
        {
            throw new Core.Errors.MailFlowException($"cannot resolve {host}: {ex.Message}", ex, Core.Errors.MailFlowErrorKind.OperationFailed);
        }
    }

    private static async Task<AddressProbe> ProbeAddressAsync(string host, IPEndPoint endpoint, ProbeOptions options, CancellationToken cancellationToken)
    {
        var sni = options.Sni ?? (IPAddress.TryParse(host, out _) ? string.Empty : host);
        var first = await HandshakeAsync(endpoint, sni, options, cancellationToken);
        if (first.Error is not null || !first.StartTlsOffered)
        {
            return Finish(first, options, host);
        }

        // The same handshake the other way round: a front end that picks its certificate by SNI shows here (RC14).
        var other = await HandshakeAsync(endpoint, sni.Length == 0 ? host : string.Empty, options, cancellationToken);
        return Finish(first with { OtherSniThumbprint = other.Chain.Count > 0 ? other.Chain[0].Thumbprint : null }, options, host);
    }

    private static AddressProbe Finish(AddressProbe probe, ProbeOptions options, string host)
    {
        var findings = new List<string>(probe.Findings);
        if (probe.Error is null && !probe.StartTlsOffered)
        {
            findings.Add(probe.EhloKeywords.Any(k => k.Contains("ANONYMOUSTLS", StringComparison.OrdinalIgnoreCase))
                ? "starttls-not-offered: EHLO offers X-ANONYMOUSTLS but not STARTTLS (Exchange found no certificate for the connector: event 12014)"
                : "starttls-not-offered: the EHLO reply has no STARTTLS");
        }

        if (probe.Chain.Count > 0)
        {
            var leaf = probe.Chain[0];
            var now = DateTime.UtcNow;
            if (now > leaf.NotAfter)
            {
                findings.Add($"expired: NotAfter {leaf.NotAfter:u}");
            }
            else if (now < leaf.NotBefore)
            {
                findings.Add($"not-yet-valid: NotBefore {leaf.NotBefore:u}");
            }

            if (leaf.SelfSigned)
            {
                findings.Add($"self-signed: {leaf.Subject}");
            }
            else if (probe.Chain.Count == 1 && !options.Anchors.Roots.Any(r => r.Subject == leaf.Issuer))
            {
                findings.Add($"missing-intermediate: only the leaf was sent and its issuer ({leaf.Issuer}) is not a trusted root; the chain builds only by fetching intermediates, which Exchange Online does not do");
            }

            if (probe.Verdicts.FirstOrDefault(v => v.Level == TlsAuthLevel.DomainValidation) is { Passed: false, Token: "SubjectMismatch" })
            {
                findings.Add($"name-mismatch: {options.Expect ?? host} is not among {string.Join(", ", leaf.DnsNames.DefaultIfEmpty(leaf.Subject))}");
            }

            if (probe.OtherSniThumbprint is { } otherThumbprint && otherThumbprint != leaf.Thumbprint)
            {
                findings.Add($"sni-differs: with and without SNI the server presents different certificates ({leaf.Thumbprint} vs {otherThumbprint})");
            }
        }

        return probe with { Findings = findings };
    }

    /// <summary>Banner, EHLO, STARTTLS and one TLS handshake; then QUIT.</summary>
    private static async Task<AddressProbe> HandshakeAsync(IPEndPoint endpoint, string sni, ProbeOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var probe = new AddressProbe { Address = endpoint.ToString() };
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var banner = await ReadReplyAsync(stream, timeout.Token);
            probe = probe with { Banner = banner.Count > 0 ? banner[0] : null };
            var findings = new List<string>();
            if (banner.Count > 0 && banner[0] is { } first && (first.Contains("***", StringComparison.Ordinal) || first.Contains("cmap", StringComparison.OrdinalIgnoreCase)))
            {
                findings.Add("banner-masked: the greeting is masked, as SMTP inspection on a firewall does (Cisco ASA/PIX mask-banner)");
            }

            await WriteAsync(stream, "EHLO probe.mailflow.invalid", timeout.Token);
            var ehlo = await ReadReplyAsync(stream, timeout.Token);
            var keywords = ehlo.Skip(1).Select(l => l.Length > 4 ? l[4..] : string.Empty).ToList();
            if (keywords.Any(k => k.Length >= 4 && k.All(c => c == 'X' || c == 'x' || c == '*')) || keywords.Any(k => k.StartsWith("XXXX", StringComparison.Ordinal)))
            {
                findings.Add("ehlo-masked: EHLO keywords overwritten with X (SMTP inspection hides extensions such as STARTTLS)");
            }

            var offered = keywords.Any(k => k.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase));
            probe = probe with { EhloKeywords = keywords, StartTlsOffered = offered, Findings = findings };
            if (!offered)
            {
                await WriteAsync(stream, "QUIT", timeout.Token);
                return probe;
            }

            await WriteAsync(stream, "STARTTLS", timeout.Token);
            var ready = await ReadReplyAsync(stream, timeout.Token);
            if (!ready[0].StartsWith("220", StringComparison.Ordinal))
            {
                return probe with { Error = $"STARTTLS refused: {ready[0]}" };
            }

            List<X509Certificate2> chain = [];
            await using var tls = new SslStream(stream, leaveInnerStreamOpen: true);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = sni.Length == 0 ? endpoint.Address.ToString() : sni, // an IP literal sends no SNI
                EnabledSslProtocols = options.Protocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, x509Chain, _) =>
                {
                    if (certificate is not null)
                    {
                        chain = [X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()),
                            .. (x509Chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>() ?? []).Where(c => c.Thumbprint != ((X509Certificate2)certificate).Thumbprint)];
                    }

                    return true; // judged below by MailFlow's validator, offline
                },
            }, timeout.Token);
            await tls.WriteAsync("QUIT\r\n"u8.ToArray(), timeout.Token);
            return probe with
            {
                TlsProtocol = tls.SslProtocol.ToString(),
                CipherSuite = tls.NegotiatedCipherSuite.ToString(),
                Chain = chain.Select(Describe).ToList(),
                Verdicts = chain.Count == 0 ? [] : Judge(chain, options),
            };
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return probe with { Error = ex is OperationCanceledException ? $"timed out after {options.Timeout.TotalSeconds:0} s" : ex.Message };
        }
    }

    private static List<LevelVerdict> Judge(List<X509Certificate2> chain, ProbeOptions options) =>
        [.. new[] { TlsAuthLevel.EncryptionOnly, TlsAuthLevel.CertificateValidation, TlsAuthLevel.DomainValidation }.Select(level =>
        {
            if (level == TlsAuthLevel.DomainValidation && !ReferenceIdentifier.TryParse(options.Expect, allowSubdomainPattern: true, out _, out _))
            {
                return new LevelVerdict(level, false, null, "not judged: no expected name (give --expect NAME)");
            }

            var outcome = OutboundCertificateValidator.Validate(chain[0], chain.Skip(1).ToList(),
                new OutboundValidationRequest(level, level == TlsAuthLevel.DomainValidation ? options.Expect : null, options.Expect), options.Anchors, DateTimeOffset.UtcNow);
            return new LevelVerdict(level, outcome.Passed, outcome.Token?.Name, outcome.Failures.Count > 0 ? outcome.Failures[0].Detail : null);
        })];

    private static ProbedCertificate Describe(X509Certificate2 certificate) => new(
        certificate.Subject,
        certificate.Issuer,
        PresentedIdentifiers.From(certificate).DnsNames,
        certificate.NotBefore.ToUniversalTime(),
        certificate.NotAfter.ToUniversalTime(),
        $"{certificate.PublicKey.Oid.FriendlyName} {ExchangeCertificate.PublicKeySize(certificate)}",
        certificate.SignatureAlgorithm.FriendlyName ?? certificate.SignatureAlgorithm.Value ?? "?",
        certificate.SerialNumber,
        certificate.Thumbprint,
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData));

    private static async Task WriteAsync(Stream stream, string line, CancellationToken cancellationToken) =>
        await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), cancellationToken);

    /// <summary>One reply (all its lines), read byte by byte so nothing after it is consumed before STARTTLS.</summary>
    private static async Task<List<string>> ReadReplyAsync(Stream stream, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var one = new byte[1];
        while (lines.Count < 200)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException(lines.Count == 0 && line.Length == 0 ? "the server closed the connection" : "the server closed the connection mid-reply");
            }

            if (one[0] == '\n')
            {
                var text = line.ToString().TrimEnd('\r');
                line.Clear();
                lines.Add(text);
                if (text.Length < 4 || text[3] != '-')
                {
                    return lines;
                }
            }
            else if (line.Length < 2048)
            {
                line.Append((char)one[0]);
            }
        }

        throw new IOException("the reply has more than 200 lines");
    }
}
