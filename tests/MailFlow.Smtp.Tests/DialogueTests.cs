using MailFlow.Smtp.Tests.Harness;

namespace MailFlow.Smtp.Tests;

/// <summary>Every file in Dialogues/ is one behaviour, replayed with the client's bytes sent all at once, line by line and byte by byte.</summary>
public sealed class DialogueTests
{
    public static TheoryData<string, SplitMode> Dialogues()
    {
        var data = new TheoryData<string, SplitMode>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Dialogues"), "*.smtp").Order())
        {
            foreach (var mode in DialogueRunner.ModesOf(File.ReadAllText(file)))
            {
                data.Add(Path.GetFileNameWithoutExtension(file), mode);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Dialogues))]
    public async Task Dialogue(string name, SplitMode mode)
    {
        var script = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Dialogues", name + ".smtp"));
        await using var server = SmtpTestServer.Create(DialogueRunner.ConfigurationOf(script));

        await DialogueRunner.RunAsync(server, script, mode);
    }
}
