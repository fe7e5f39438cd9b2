using System.Text.Json.Serialization;

namespace MailFlow.Lab;

/// <summary>lab.json's serializer, generated at compile time: the report, indented, default names.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(LabReport))]
internal sealed partial class LabJsonContext : JsonSerializerContext;
