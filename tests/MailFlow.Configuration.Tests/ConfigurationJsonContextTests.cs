using System.Reflection;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Serialization;

namespace MailFlow.Configuration.Tests;

/// <summary>The generated serializer's converter list is kept by hand: this finds every enum the model holds by reflection (tests are not trimmed).</summary>
public sealed class ConfigurationJsonContextTests
{
    [Fact]
    public void Every_enum_in_the_model_has_the_converter_that_writes_names_and_refuses_numbers()
    {
        var enums = new HashSet<Type>();
        Walk(typeof(MailFlowConfiguration), [], enums);

        Assert.True(enums.Count >= 10, $"{enums.Count} enums");
        var converters = ConfigurationJsonContext.Default.Options.Converters.Select(c => c.GetType()).ToHashSet();
        Assert.All(enums, e => Assert.Contains(typeof(StrictEnumConverter<>).MakeGenericType(e), converters));
    }

    private static void Walk(Type type, HashSet<Type> seen, HashSet<Type> enums)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            enums.Add(type);
            return;
        }

        if (type == typeof(string) || type.IsPrimitive || !seen.Add(type))
        {
            return;
        }

        foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
        {
            Walk(argument, seen, enums);
        }

        if (type.Namespace?.StartsWith("MailFlow", StringComparison.Ordinal) == true)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                Walk(property.PropertyType, seen, enums);
            }
        }
    }
}
