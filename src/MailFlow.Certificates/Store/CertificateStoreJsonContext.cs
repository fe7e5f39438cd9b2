using System.Text.Json.Serialization;

namespace MailFlow.Certificates.Store;

/// <summary>properties.json's serializer, generated at compile time: indented, services by name (<c>"IMAP, POP, SMTP"</c>).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(StoredProperties))]
internal sealed partial class CertificateStoreJsonContext : JsonSerializerContext;
