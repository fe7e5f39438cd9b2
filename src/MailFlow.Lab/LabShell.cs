using System.Diagnostics;

namespace MailFlow.Lab;

/// <summary>
/// PowerShell 7 with MailFlow's module, when pwsh is installed (MAILFLOW_PWSH, the checkout's .tools/pwsh, or PATH): the lab then
/// applies fixes with the cmdlets an Exchange admin types. Without pwsh the lab uses the management
/// layer directly, which is what the equivalent <c>mailflow</c> commands run.
/// </summary>
public sealed class LabShell
{
    private readonly string? pwsh;
    private readonly string module;

    public LabShell(string? pwsh, string module)
    {
        this.pwsh = pwsh;
        this.module = module;
    }

    public bool Available => pwsh is not null && File.Exists(module);

    /// <summary>The pwsh the lab runs, or null when none was found.</summary>
    public string? Program => pwsh;

    /// <summary>The shell for this program: <see cref="Find(Func{string, string?}, string)"/> with the process's environment and directory.</summary>
    public static LabShell Find() => Find(Environment.GetEnvironmentVariable, AppContext.BaseDirectory);

    /// <summary>
    /// pwsh from MAILFLOW_PWSH; else the PowerShell tool test.sh installs under .tools/pwsh of the checkout
    /// <paramref name="programDirectory"/> was built in (the version the module is tested with, so it goes
    /// before PATH); else the first on PATH. The module is the one beside the program.
    /// </summary>
    public static LabShell Find(Func<string, string?> environment, string programDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var candidates = new List<string?> { environment("MAILFLOW_PWSH") };
        for (var directory = new DirectoryInfo(programDirectory); directory is not null; directory = directory.Parent)
        {
            candidates.Add(Path.Combine(directory.FullName, ".tools", "pwsh", "pwsh"));
        }

        candidates.AddRange((environment("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "pwsh")));
        return new LabShell(candidates.FirstOrDefault(File.Exists), Path.Combine(programDirectory, "MailFlow.psd1"));
    }

    /// <summary>Runs <paramref name="script"/> against <paramref name="site"/>'s data directory; stops at the first error.</summary>
    public async Task<string> RunAsync(LabSite site, string script, CancellationToken cancellationToken)
    {
        if (!Available)
        {
            throw new InvalidOperationException("pwsh or the MailFlow module is not available");
        }

        var file = Path.Combine(site.Root, $"lab-{Guid.NewGuid():N}.ps1");
        await File.WriteAllTextAsync(file, $"""
            $ErrorActionPreference = 'Stop'
            Import-Module '{module}'
            $env:MAILFLOW_DATA = '{site.Root}'
            {script}
            """, cancellationToken);
        try
        {
            var start = new ProcessStartInfo(pwsh!) { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["NO_COLOR"] = "1", ["POWERSHELL_TELEMETRY_OPTOUT"] = "1" } };
            foreach (var argument in new[] { "-NoProfile", "-NonInteractive", "-File", file })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {pwsh}");
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new LabCheckException($"pwsh failed ({process.ExitCode}): {errors.Trim()}");
            }

            return await output;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
