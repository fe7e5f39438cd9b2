namespace MailFlow.Testing;

/// <summary>
/// The PowerShell 7.6.9 global tool that tests run scripts in: test.sh installs it under .tools/pwsh and
/// names it in MAILFLOW_PWSH; pwsh on PATH also works.
/// </summary>
public static class Pwsh
{
    public static string? Find()
    {
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("MAILFLOW_PWSH") };
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(d => Path.Combine(d, "pwsh")));
        return candidates.FirstOrDefault(File.Exists);
    }
}
