using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace MailFlow.Cli.Output;

/// <summary>Where a command writes: JSON for scripts (--json), tables and Format-List text for people.</summary>
internal sealed class CliOutput
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

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

    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

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
