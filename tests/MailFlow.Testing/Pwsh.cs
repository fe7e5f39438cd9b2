using System.Diagnostics;

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

    public sealed record Result(int ExitCode, string Output, string Errors);

    /// <summary>Runs <paramref name="script"/> as a file in a fresh `pwsh -NoProfile -NonInteractive`, plain text (no colour escapes).</summary>
    public static async Task<Result> RunAsync(string script, string directory)
    {
        var pwsh = Find() ?? throw new InvalidOperationException("pwsh was not found: ./test.sh installs the PowerShell 7.6.9 tool under .tools/pwsh and sets MAILFLOW_PWSH");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".ps1");
        await File.WriteAllTextAsync(file, script);
        var start = new ProcessStartInfo(pwsh) { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["NO_COLOR"] = "1", ["POWERSHELL_TELEMETRY_OPTOUT"] = "1" } };
        foreach (var arg in new[] { "-NoProfile", "-NonInteractive", "-File", file })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Result(process.ExitCode, await output, await errors);
    }

    /// <summary>
    /// Runs <paramref name="body"/> in the pwsh tool after <c>Import-Module</c> of the built manifest, as an admin
    /// would, with MAILFLOW_DATA naming <paramref name="dataRoot"/>. Errors stop the script (ErrorActionPreference
    /// Stop) so that a refused cmdlet shows as a non-zero exit with the message on stderr.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunModuleScriptAsync(string dataRoot, string body)
    {
        var result = await RunAsync($"""
            $ErrorActionPreference = 'Stop'
            Import-Module '{Path.Combine(AppContext.BaseDirectory, "MailFlow.psd1")}'
            $env:MAILFLOW_DATA = '{dataRoot}'
            {body}
            """, dataRoot);
        return (result.ExitCode, result.Output, result.Errors);
    }
}
