namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// Every <see cref="IRootCauseRule"/> of this assembly, ordered by type name (RC01… first), which is also
/// the tie-break between equally confident findings. Listed rather than found by reflection so that
/// trimming and Native AOT keep every rule; RuleCatalogTests fails when a rule type is missing or out of order.
/// </summary>
public static class RuleCatalog
{
    public static IReadOnlyList<IRootCauseRule> All { get; } =
    [
        new RC01UntrustedIssuer(),
        new RC01WrongCertificate(),
        new RC02PartialConfiguration(),
        new RC03StaleCertificateName(),
        new RC04SendConnectorCertificate(),
        new RC05Expired(),
        new RC06MissingIntermediate(),
        new RC07Revoked(),
        new RC08DuplicateCertificates(),
        new RC09ExpectedName(),
        new RC10DeviceCertificate(),
        new RC11SmtpInspection(),
        new RC14SniCertificate(),
        new RC15SendConnectorName(),
        new RC16TenantAttribution(),
        new RC19CertificateNameSyntax(),
        new RC20LegacyCloudCertificate(),
        new RC21NotTls(),
        new RC22DaneMtaSts(),
        new RC23TlsNotOffered(),
        new TlsNegotiationFailures(),
    ];
}
