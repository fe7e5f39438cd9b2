using System.Text.Json.Serialization;

namespace MailFlow.Configuration.Serialization;

/// <summary>
/// An enum as Exchange's names (<c>"Tls, BasicAuth"</c>), never a number: config.json is edited by hand,
/// and <c>"AuthMechanism": 5</c> would hide which flags were meant. The parameterless constructor is what
/// <see cref="JsonSourceGenerationOptionsAttribute.Converters"/> needs.
/// </summary>
internal sealed class StrictEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
