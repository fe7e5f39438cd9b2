namespace MailFlow.Management;

/// <summary>
/// PowerShell's Format-List layout (names padded to one column, " : ", value; a blank line after each
/// object): what <c>| fl</c> prints, and what diagnose's dump reader takes back.
/// </summary>
public static class FormatList
{
    public static void Write(TextWriter writer, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(properties);
        var width = properties.Max(p => p.Key.Length);
        foreach (var (name, value) in properties)
        {
            writer.WriteLine($"{name.PadRight(width)} : {value}");
        }

        writer.WriteLine();
    }
}
