namespace MailFlow.Certificates.Validation;

/// <summary>
/// How a sender validates the receiver's certificate: Exchange's Send connector TlsAuthLevel and
/// Exchange Online's outbound connector TlsSettings share these names.
/// </summary>
public enum TlsAuthLevel
{
    /// <summary>Encrypt; do not authenticate the certificate.</summary>
    EncryptionOnly,

    /// <summary>Encrypt, and the chain must reach a trusted root.</summary>
    CertificateValidation,

    /// <summary>CertificateValidation, and the certificate must name TlsDomain (else the recipient domain).</summary>
    DomainValidation,
}
