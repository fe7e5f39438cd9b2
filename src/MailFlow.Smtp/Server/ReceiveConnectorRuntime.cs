using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Names;
using MailFlow.Certificates.Selection;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Recipients;
using MailFlow.Core.Net;
using MailFlow.Logs;

namespace MailFlow.Smtp.Server;

/// <summary>
/// A receive connector as the running service sees it: its configuration and certificate decision as
/// they were when the service started (Exchange reads them at start, not per connection), the TLS
/// context built once from the chosen certificate, and live connection counters.
/// </summary>
public sealed class ReceiveConnectorRuntime
{
    private readonly ConcurrentDictionary<IPAddress, int> perSource = new();
    private int active;

    public ReceiveConnectorRuntime(MailFlowConfiguration configuration, ReceiveConnector connector, CertificateSelectionDecision decision)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Connector = connector ?? throw new ArgumentNullException(nameof(connector));
        Decision = decision ?? throw new ArgumentNullException(nameof(decision));
        Identity = configuration.IdentityOf(connector);
        Fqdn = configuration.EffectiveFqdn(connector);
        RemoteRanges = connector.RemoteIPRanges.Select(IPRange.Parse).ToList();
        RecipientValidationEnabled = configuration.RecipientFilter.RecipientValidationEnabled;
        Recipients = new RecipientResolver(configuration);
        if (decision.Certificate is { } chosen)
        {
            var chain = new X509Certificate2Collection();
            chain.AddRange(chosen.Chain.ToArray());
            CertificateContext = SslStreamCertificateContext.Create(chosen.Certificate, chain, offline: true);
            CertificateRecord = new CertificateLogRecord(
                chosen.Subject, chosen.Issuer, chosen.Certificate.SerialNumber, chosen.Thumbprint, chosen.NotBeforeUtc, chosen.NotAfterUtc, chosen.CertificateDomains);
        }
    }

    public ReceiveConnector Connector { get; }

    public CertificateSelectionDecision Decision { get; }

    public string Identity { get; }

    /// <summary>The name in the banner, the EHLO reply and the Received header.</summary>
    public string Fqdn { get; }

    public IReadOnlyList<IPRange> RemoteRanges { get; }

    /// <summary>Set-RecipientFilterConfig -RecipientValidationEnabled: refuse recipients without a mailbox at RCPT.</summary>
    public bool RecipientValidationEnabled { get; }

    /// <summary>The accepted domains and mailboxes as they were at start, with postmaster and the catch-alls.</summary>
    public RecipientResolver Recipients { get; }

    /// <summary>Whether RCPT TO may name <paramref name="address"/> in an Authoritative accepted domain.</summary>
    public bool IsKnownLocalRecipient(string address) =>
        !RecipientValidationEnabled || Recipients.Resolve(address) is not null;

    /// <summary>Null when no certificate was eligible: STARTTLS is then not offered.</summary>
    public SslStreamCertificateContext? CertificateContext { get; }

    public CertificateLogRecord? CertificateRecord { get; }

    public bool OffersStartTls => CertificateContext is not null && Connector.AuthMechanism.HasFlag(AuthMechanisms.Tls) && !Connector.ImplicitTls;

    /// <summary>AUTH is offered when BasicAuth is on, and before TLS only when BasicAuthRequireTLS is off.</summary>
    public bool OffersAuth(bool tls) =>
        Connector.AuthMechanism.HasFlag(AuthMechanisms.BasicAuth) && (tls || !Connector.AuthMechanism.HasFlag(AuthMechanisms.BasicAuthRequireTLS));

    /// <summary>Size of the tightest RemoteIPRanges entry containing <paramref name="address"/>, or null when none does.</summary>
    public UInt128? MatchSpecificity(IPAddress address)
    {
        UInt128? best = null;
        foreach (var range in RemoteRanges)
        {
            if (range.Contains(address) && (best is null || range.Span < best))
            {
                best = range.Span;
            }
        }

        return best;
    }

    /// <summary>Counts a connection against MaxInboundConnection and MaxInboundConnectionPerSource; false when either is reached.</summary>
    public bool TryAcquire(IPAddress source)
    {
        if (Interlocked.Increment(ref active) > Connector.MaxInboundConnection)
        {
            Interlocked.Decrement(ref active);
            return false;
        }

        var count = perSource.AddOrUpdate(source, 1, (_, n) => n + 1);
        if (count > Connector.MaxInboundConnectionPerSource)
        {
            Release(source);
            return false;
        }

        return true;
    }

    public void Release(IPAddress source)
    {
        Interlocked.Decrement(ref active);
        if (perSource.AddOrUpdate(source, 0, (_, n) => n - 1) <= 0)
        {
            perSource.TryRemove(new KeyValuePair<IPAddress, int>(source, 0));
        }
    }

    public int ActiveConnections => Volatile.Read(ref active);
}
