using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;

namespace MailFlow.Management.Parameters;

/// <summary>
/// Set-* parameters and Format-List views for configuration objects, derived from their public
/// properties so that a new connector property is settable and shown without more code.
/// </summary>
public static class ObjectParameters
{
    /// <summary>The property names Set-&lt;T&gt; accepts (all writable ones except <paramref name="excluded"/>).</summary>
    public static IReadOnlyList<string> Settable<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(params string[] excluded) =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && !excluded.Contains(p.Name, StringComparer.OrdinalIgnoreCase))
            .Select(p => p.Name)
            .ToList();

    /// <summary>What values a parameter takes, for help text: "$true or $false", "a size, e.g. 36MB", "$null clears".</summary>
    public static string Hint<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(string parameter)
    {
        var property = Property<T>(parameter)
            ?? throw new ArgumentException($"{typeof(T).Name} has no property {parameter}", nameof(parameter));
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var hint = type == typeof(bool) ? "$true or $false"
            : type == typeof(long) ? "a size, e.g. 36MB"
            : type == typeof(int) ? "a number"
            : type == typeof(TimeSpan) ? "a duration, e.g. 00:10:00"
            : type == typeof(List<string>) ? "comma-separated values"
            : type.IsEnum ? (type.IsDefined(typeof(FlagsAttribute), false) ? "one or more of " : "one of ") + string.Join(", ", Enum.GetNames(type))
            : "text";
        var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null
            || (!property.PropertyType.IsValueType && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable);
        return nullable ? hint + "; $null clears" : hint;
    }

    /// <summary>Applies every named parameter; a name outside <paramref name="settable"/> is a usage error naming the cmdlet.</summary>
    public static void ApplyAll<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(T target, IReadOnlyDictionary<string, string?> parameters, IReadOnlyList<string> settable, string cmdlet)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(settable);
        foreach (var (parameter, value) in parameters)
        {
            if (!settable.Contains(parameter.TrimStart('-'), StringComparer.OrdinalIgnoreCase))
            {
                throw new MailFlowException($"-{parameter.TrimStart('-')} is not a parameter of {cmdlet}; valid: {string.Join(", ", settable)}", MailFlowErrorKind.InvalidArgument);
            }

            Apply(target, parameter, value);
        }
    }

    /// <summary>Parses <paramref name="text"/> as Exchange would for that property and assigns it.</summary>
    public static void Apply<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(T target, string parameter, string? text)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(parameter);
        var property = Property<T>(parameter.TrimStart('-'))
            ?? throw new MailFlowException($"-{parameter} is not a parameter of Set-{typeof(T).Name}", MailFlowErrorKind.InvalidArgument);
        property.SetValue(target, Parse(property, text));
    }

    /// <summary>Ordered name/value pairs, PowerShell style: lists as <c>{a, b}</c>, sizes as <c>36 MB (37,748,736 bytes)</c>.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> View<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(T target, params KeyValuePair<string, string>[] computed)
    {
        ArgumentNullException.ThrowIfNull(target);
        var pairs = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => new KeyValuePair<string, string>(p.Name, Format(p, p.GetValue(target))))
            .Concat(computed)
            .OrderBy(p => p.Key == "Identity" ? 1 : 0)
            .ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        return pairs;
    }

    /// <summary>
    /// GetProperty with IgnoreCase, over the public properties only: the trim analyzer cannot tell that
    /// GetProperty(name, Public | Instance | IgnoreCase) needs no more than T's annotation keeps.
    /// </summary>
    private static PropertyInfo? Property<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(string name) =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).SingleOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    private static object? Parse(PropertyInfo property, string? text)
    {
        var name = property.Name;
        var type = property.PropertyType;
        var underlying = Nullable.GetUnderlyingType(type);
        var nullableReference = !type.IsValueType && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable;
        if (ParameterValue.IsNull(text))
        {
            if (underlying is not null || nullableReference)
            {
                return null;
            }

            if (type == typeof(List<string>))
            {
                return new List<string>();
            }

            throw new MailFlowException($"-{name} cannot be $null", MailFlowErrorKind.InvalidArgument);
        }

        var value = text!;
        var target = underlying ?? type;
        if (target == typeof(string))
        {
            return value;
        }

        if (target == typeof(bool))
        {
            return ParameterValue.ParseBool(name, value);
        }

        if (target == typeof(int))
        {
            return ParameterValue.ParseInt(name, value);
        }

        if (target == typeof(long))
        {
            return ParameterValue.ParseByteSize(name, value);
        }

        if (target == typeof(TimeSpan))
        {
            return ParameterValue.ParseTimeSpan(name, value);
        }

        if (target.IsEnum)
        {
            return ParameterValue.ParseEnum(target, name, value);
        }

        if (target == typeof(List<string>) && property.DeclaringType == typeof(ReceiveConnector) && name == nameof(ReceiveConnector.TlsDomainCapabilities))
        {
            // Its entries contain commas themselves ("a.com:X,Y"), so the split list is regrouped into entries.
            return TlsDomainCapabilities.TryGroup(ParameterValue.ParseList(value), out var entries, out var error)
                ? entries
                : throw new MailFlowException($"-{name} \"{value}\" is not valid: {error}", MailFlowErrorKind.InvalidArgument);
        }

        if (target == typeof(List<string>))
        {
            return ParameterValue.ParseList(value);
        }

        throw new MailFlowException($"-{name} cannot be set from the command line", MailFlowErrorKind.InvalidArgument);
    }

    private static string Format(PropertyInfo property, object? value) => value switch
    {
        null => string.Empty,
        bool b => b ? "True" : "False",
        long size when property.Name.EndsWith("Size", StringComparison.Ordinal) => ParameterValue.FormatByteSize(size),
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        string s => s,
        IEnumerable list => "{" + string.Join(", ", list.Cast<object>()) + "}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
