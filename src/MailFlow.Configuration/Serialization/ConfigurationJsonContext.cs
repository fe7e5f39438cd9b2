using System.Text.Json.Serialization;
using MailFlow.Certificates.Names;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Trust;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Logs;

namespace MailFlow.Configuration.Serialization;

/// <summary>
/// config.json's serializer, generated at compile time. Every enum the model holds is listed with its
/// converter (a test walks the model to prove none is missing: an unlisted one would be written as a number).
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    IndentSize = 2,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    Converters =
    [
        typeof(StrictEnumConverter<AcceptedDomainType>),
        typeof(StrictEnumConverter<AuthMechanisms>),
        typeof(StrictEnumConverter<CertificateLogFormat>),
        typeof(StrictEnumConverter<CertificateTieBreak>),
        typeof(StrictEnumConverter<ExchangeVersion>),
        typeof(StrictEnumConverter<NameMatchProfile>),
        typeof(StrictEnumConverter<PermissionGroups>),
        typeof(StrictEnumConverter<ProtocolLoggingLevel>),
        typeof(StrictEnumConverter<RevocationCheck>),
        typeof(StrictEnumConverter<SmtpReceiveCapabilities>),
        typeof(StrictEnumConverter<TlsAuthLevel>),
        typeof(StrictEnumConverter<TransportRole>),
    ])]
[JsonSerializable(typeof(MailFlowConfiguration))]
internal sealed partial class ConfigurationJsonContext : JsonSerializerContext;
