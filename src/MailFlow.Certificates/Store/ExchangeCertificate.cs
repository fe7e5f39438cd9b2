using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Names;
using MailFlow.Certificates.Trust;

namespace MailFlow.Certificates.Store;

/// <summary>A certificate in MailFlow's store, with the Exchange-side metadata (services, friendly name).</summary>
public sealed class ExchangeCertificate
{
    private readonly Lazy<bool> isSelfSigned;
    private readonly Lazy<PresentedIdentifiers> names;

    public ExchangeCertificate(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, ExchangeServices services, string? friendlyName)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        Certificate = certificate;
        Chain = chain;
        Services = services;
        FriendlyName = friendlyName;
        names = new Lazy<PresentedIdentifiers>(() => PresentedIdentifiers.From(certificate));
        isSelfSigned = new Lazy<bool>(() => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) && SignatureVerifiesWithOwnKey());
    }

    /// <summary>The leaf, with its private key when it has one.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Intermediates (and perhaps the root) that are sent with the leaf.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    public ExchangeServices Services { get; }

    public string? FriendlyName { get; }

    public string Thumbprint => Certificate.Thumbprint;

    public string Subject => Certificate.Subject;

    public string Issuer => Certificate.Issuer;

    public DateTime NotBeforeUtc => Certificate.NotBefore.ToUniversalTime();

    public DateTime NotAfterUtc => Certificate.NotAfter.ToUniversalTime();

    public bool HasPrivateKey => Certificate.HasPrivateKey;

    /// <summary>Issuer equals subject and the certificate's own key verifies its signature (computed once).</summary>
    public bool IsSelfSigned => isSelfSigned.Value;

    public bool IsSmtpEnabled => Services.HasFlag(ExchangeServices.SMTP);

    /// <summary>The names the certificate claims (SAN and CN), parsed once.</summary>
    public PresentedIdentifiers Names => names.Value;

    /// <summary>Host names in the SAN (Exchange's CertificateDomains); the CN when there is no SAN.</summary>
    public IReadOnlyList<string> CertificateDomains => Names.DnsNames.Count > 0 ? Names.DnsNames : Names.CommonNames;

    public bool IsTimeValid(DateTimeOffset now) => now.UtcDateTime >= NotBeforeUtc && now.UtcDateTime <= NotAfterUtc;

    public ExchangeCertificate WithServices(ExchangeServices services) => new(Certificate, Chain, services, FriendlyName);

    /// <summary>The properties as <c>Get-ExchangeCertificate | Format-List</c> shows them.</summary>
    public ExchangeCertificateProperties Describe(TrustAnchors anchors, DateTimeOffset now, RevocationCheck revocation = RevocationCheck.None)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        var selfSigned = IsSelfSigned;
        var chain = ChainEvaluator.Evaluate(Certificate, Chain, anchors, now, revocation);
        return new ExchangeCertificateProperties
        {
            CertificateDomains = CertificateDomains,
            FriendlyName = FriendlyName ?? string.Empty,
            HasPrivateKey = HasPrivateKey,
            IsSelfSigned = selfSigned,
            Issuer = Issuer,
            NotAfter = NotAfterUtc,
            NotBefore = NotBeforeUtc,
            PublicKeySize = PublicKeySize(Certificate),
            RootCAType = RootCATypeOf(selfSigned, chain),
            SerialNumber = Certificate.SerialNumber,
            Services = ExchangeServicesText.Format(Services),
            Status = StatusOf(selfSigned, chain, now),
            Subject = Subject,
            Thumbprint = Thumbprint,
            SignatureAlgorithm = Certificate.SignatureAlgorithm.FriendlyName ?? Certificate.SignatureAlgorithm.Value ?? string.Empty,
            Version = Certificate.Version,
            ChainStatus = chain.Describe(),
        };
    }

    public static int PublicKeySize(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize;
        }

        using var ecdsa = certificate.GetECDsaPublicKey();
        return ecdsa?.KeySize ?? 0;
    }

    /// <summary>
    /// Exchange puts its self-signed certificate in the server's own root store (RootCAType Registry),
    /// so Get-ExchangeCertificate reports it Valid on that server even though no peer trusts it.
    /// </summary>
    private CertificateStatus StatusOf(bool selfSigned, ChainReport chain, DateTimeOffset now)
    {
        if (!IsTimeValid(now))
        {
            return CertificateStatus.DateInvalid;
        }

        if (selfSigned)
        {
            return CertificateStatus.Valid;
        }

        if (chain.IsTrusted)
        {
            return CertificateStatus.Valid;
        }

        if (chain.IsRevoked)
        {
            return CertificateStatus.Revoked;
        }

        if (chain.Problems.HasFlag(X509ChainStatusFlags.RevocationStatusUnknown) || chain.Problems.HasFlag(X509ChainStatusFlags.OfflineRevocation))
        {
            return CertificateStatus.RevocationCheckFailure;
        }

        return chain.IsUntrustedRoot || chain.IsIncomplete ? CertificateStatus.Untrusted : CertificateStatus.Invalid;
    }

    /// <summary>
    /// A root added with `mailflow trust add` is what an admin's root in the machine's own Trusted Root
    /// store is on Windows, Registry; Enterprise is a root published in Active Directory (decision 0027).
    /// </summary>
    private static RootCAType RootCATypeOf(bool selfSigned, ChainReport chain) =>
        selfSigned || chain.EndsInAdditionalRoot ? RootCAType.Registry
        : chain.EndsInSystemRoot ? RootCAType.ThirdParty
        : RootCAType.Unknown;

    private bool SignatureVerifiesWithOwnKey()
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreWrongUsage;
        try
        {
            return chain.Build(Certificate) || chain.ChainStatus.All(s => s.Status is X509ChainStatusFlags.NotTimeValid or X509ChainStatusFlags.InvalidBasicConstraints or X509ChainStatusFlags.NotValidForUsage);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>Exchange's certificate Status values.</summary>
public enum CertificateStatus
{
    Unknown,
    Valid,
    DateInvalid,
    Untrusted,
    Revoked,
    RevocationCheckFailure,
    Invalid,
    PendingRequest,
}

/// <summary>Exchange's RootCAType values (docs/decisions/0001-certificate-store.md says how we derive them).</summary>
public enum RootCAType
{
    None,
    ThirdParty,
    Enterprise,
    Registry,
    GroupPolicy,
    Unknown,
}

/// <summary>The Format-List view of a certificate; property names are Exchange's.</summary>
public sealed record ExchangeCertificateProperties
{
    public required IReadOnlyList<string> CertificateDomains { get; init; }

    public required string FriendlyName { get; init; }

    public required bool HasPrivateKey { get; init; }

    public required bool IsSelfSigned { get; init; }

    public required string Issuer { get; init; }

    public required DateTime NotAfter { get; init; }

    public required DateTime NotBefore { get; init; }

    public required int PublicKeySize { get; init; }

    public required RootCAType RootCAType { get; init; }

    public required string SerialNumber { get; init; }

    public required string Services { get; init; }

    public required CertificateStatus Status { get; init; }

    public required string Subject { get; init; }

    public required string Thumbprint { get; init; }

    public required string SignatureAlgorithm { get; init; }

    public required int Version { get; init; }

    /// <summary>Chain-building result against the configured trust, e.g. "UntrustedRoot" or "OK".</summary>
    public required string ChainStatus { get; init; }
}
