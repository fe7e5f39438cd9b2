using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailFlow.Management.Control;

/// <summary>
/// The control channel's serializer, generated at compile time: web names (camelCase), enums by name,
/// nulls left out. The CLI and the service each hold one end of the socket, so both use this.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
public sealed partial class ControlJsonContext : JsonSerializerContext;
