using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Spectre.Console;

namespace MailFlow.Cli.Output;

/// <summary>Where a command writes: JSON for scripts (--json), tables and Format-List text for people.</summary>
internal sealed class CliOutput
{
    /// <summary>
    /// The generated context with relaxed escaping (<c>é</c>, <c>+</c> and <c>&lt;</c> as themselves, for people
    /// and scripts alike), which is a run-time option: JsonSourceGenerationOptions has no encoder.
    /// </summary>
    private static readonly CliJsonContext JsonContext = new(new JsonSerializerOptions(CliJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public CliOutput(TextWriter stdout, TextWriter stderr, bool json)
    {
        Out = stdout;
        Error = stderr;
        Json = json;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            ColorSystem = ReferenceEquals(stdout, System.Console.Out) && !System.Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!ReferenceEquals(stdout, System.Console.Out) || System.Console.IsOutputRedirected)
        {
            Console.Profile.Width = 240; // a file or a pipe has no width; do not wrap tables at 80 columns
        }
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public bool Json { get; }

    public IAnsiConsole Console { get; }

    /// <summary>Writes <paramref name="value"/> as indented JSON; <paramref name="type"/> picks its metadata, e.g. <c>json => json.ServiceStatus</c>.</summary>
    public void WriteJson<T>(T value, Func<CliJsonContext, JsonTypeInfo<T>> type)
    {
        ArgumentNullException.ThrowIfNull(type);
        Out.WriteLine(JsonSerializer.Serialize(value, type(JsonContext)));
    }

    /// <summary>PowerShell Format-List: names padded to one column, " : ", value.</summary>
    public void WriteFormatList(IReadOnlyList<KeyValuePair<string, string>> properties) => Management.FormatList.Write(Out, properties);

    /// <summary>
    /// A table without Spectre's blank border lines and trailing padding (they are spaces with the
    /// Simple border, and show as empty lines in a terminal and trailing whitespace in a file), or
    /// <paramref name="whenEmpty"/> instead of a bare header.
    /// </summary>
    public void WriteTable(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string whenEmpty)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(Markup.Escape(header)));
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell)).ToArray());
        }

        if (table.Rows.Count == 0)
        {
            Out.WriteLine(whenEmpty);
            return;
        }

        var rendered = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(rendered),
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = Console.Profile.Width;
        console.Write(table);
        foreach (var line in rendered.ToString().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0))
        {
            Out.WriteLine(line);
        }
    }

    /// <summary>Progress and notes go to stderr so stdout stays clean for --json consumers.</summary>
    public void Note(string message) => Error.WriteLine($"mailflow: {message}");
}
