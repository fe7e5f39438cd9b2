using System.Text.Json.Serialization;

namespace MailFlow.Configuration.Users;

/// <summary>users.json's serializer, generated at compile time; indented, default names, as the file has always been.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(List<SmtpUser>))]
internal sealed partial class UserStoreJsonContext : JsonSerializerContext;
