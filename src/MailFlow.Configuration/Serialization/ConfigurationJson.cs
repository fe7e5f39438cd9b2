using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using MailFlow.Configuration.Model;

namespace MailFlow.Configuration.Serialization;

/// <summary>
/// The on-disk JSON form: Exchange property names, enums as Exchange writes them
/// (<c>"Tls, BasicAuth"</c>), TimeSpans as <c>"00:10:00"</c>, unknown properties refused.
/// </summary>
public static partial class ConfigurationJson
{
    private static JsonSerializerOptions Options => ConfigurationJsonContext.Default.Options;

    private static JsonTypeInfo<MailFlowConfiguration> Document => ConfigurationJsonContext.Default.MailFlowConfiguration;

    public static byte[] Serialize(MailFlowConfiguration configuration) => JsonSerializer.SerializeToUtf8Bytes(configuration, Document);

    /// <summary>Deep copy (the management layer edits a copy and saves it).</summary>
    public static MailFlowConfiguration Clone(MailFlowConfiguration configuration) =>
        JsonSerializer.Deserialize(Serialize(configuration), Document)!;

    /// <summary>Parses a document; a malformed one throws <see cref="JsonException"/> (see <see cref="Describe"/>).</summary>
    public static MailFlowConfiguration Deserialize(ReadOnlySpan<byte> utf8)
    {
        var configuration = JsonSerializer.Deserialize(utf8, Document) ?? throw new JsonException("the document is null");
        RefuseNullEntries(configuration, Document, "$");
        Recipients.LegacyRecipientMigration.Apply(configuration);
        return configuration;
    }

    /// <summary>
    /// RespectNullableAnnotations covers the model's properties but not the entries of its lists and
    /// dictionaries, so <c>"ReceiveConnectors": [null]</c> would arrive as a null connector and fail far
    /// from the file. No list or dictionary in the model holds nulls: one that does is a bad document.
    /// </summary>
    private static void RefuseNullEntries(object node, JsonTypeInfo info, string path)
    {
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                foreach (var property in info.Properties)
                {
                    if (property.Get?.Invoke(node) is { } value)
                    {
                        RefuseNullEntries(value, Options.GetTypeInfo(property.PropertyType), $"{path}.{property.Name}");
                    }
                }

                break;
            case JsonTypeInfoKind.Enumerable:
                var index = 0;
                foreach (var entry in (IEnumerable)node)
                {
                    Entry(entry, $"{path}[{index++}]");
                }

                break;
            case JsonTypeInfoKind.Dictionary:
                foreach (DictionaryEntry entry in (IDictionary)node)
                {
                    Entry(entry.Value, $"{path}.{entry.Key}");
                }

                break;
        }

        static void Entry(object? entry, string path)
        {
            if (entry is null)
            {
                throw new JsonException("null is not allowed here: an entry must be a value", path, lineNumber: null, bytePositionInLine: null);
            }

            RefuseNullEntries(entry, Options.GetTypeInfo(entry.GetType()), path);
        }
    }

    /// <summary>Turns System.Text.Json's message into "at $.X (line n): what is wrong".</summary>
    public static string Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        var detail = (cut >= 0 ? message[..cut] : message).Trim();
        var conversion = ConvertFailure().Match(detail);
        if (conversion.Success)
        {
            var typeName = conversion.Groups["type"].Value;
            var type = ModelTypes.Value.GetValueOrDefault(typeName);
            var underlying = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
            detail = underlying is { IsEnum: true }
                ? $"the value is not a valid {underlying.Name}; valid values: {string.Join(", ", Enum.GetNames(underlying))}"
                : $"the value is not a valid {ShortTypeName(typeName)}";
        }
        else if (detail.StartsWith("Expected depth to be zero", StringComparison.Ordinal) || detail.Contains("end of data", StringComparison.OrdinalIgnoreCase))
        {
            detail = "the document ends before it is complete (truncated?)";
        }

        var where = exception.Path is { Length: > 0 } path ? $"at {path}" : "at $";
        var line = exception.LineNumber is { } n ? $" (line {n + 1})" : string.Empty;
        return $"{where}{line}: {detail}";
    }

    /// <summary>
    /// Every type config.json holds, by the full name System.Text.Json's messages use. Found through the
    /// generated metadata rather than by looking the name up in an assembly, which trimming cannot follow.
    /// </summary>
    private static readonly Lazy<Dictionary<string, Type>> ModelTypes = new(() =>
    {
        var found = new Dictionary<string, Type>(StringComparer.Ordinal);
        Collect(Document, found);
        return found;
    });

    private static void Collect(JsonTypeInfo info, Dictionary<string, Type> found)
    {
        if (info.Type.FullName is not { } name || !found.TryAdd(name, info.Type))
        {
            return;
        }

        foreach (var property in info.Properties)
        {
            Collect(Options.GetTypeInfo(property.PropertyType), found);
        }

        foreach (var type in new[] { info.ElementType, info.KeyType })
        {
            if (type is not null)
            {
                Collect(Options.GetTypeInfo(type), found);
            }
        }
    }

    private static string ShortTypeName(string typeName)
    {
        var nullable = NullableOf().Match(typeName);
        if (nullable.Success)
        {
            typeName = nullable.Groups["inner"].Value;
        }

        var dot = typeName.LastIndexOf('.');
        return dot >= 0 ? typeName[(dot + 1)..] : typeName;
    }

    [GeneratedRegex(@"could not be converted to (?<type>[\w.`\[\], =]+?)\.?$")]
    private static partial Regex ConvertFailure();

    [GeneratedRegex(@"Nullable`1\[\[(?<inner>[\w.]+)")]
    private static partial Regex NullableOf();
}
