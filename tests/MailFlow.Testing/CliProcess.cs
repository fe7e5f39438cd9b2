using System.Diagnostics;

namespace MailFlow.Testing;

/// <summary>The mailflow CLI as a real child process: its own uid changes, environment and exit code, as an admin's shell would see them.</summary>
public static class CliProcess
{
    /// <summary>Runs <c>dotnet mailflow.dll ARGS</c> from <paramref name="application"/> (default: the test's output); stdout and stderr together.</summary>
    public static (int Code, string Output) Run(IReadOnlyList<string> args, IReadOnlyList<(string Name, string Value)>? environment = null, string? application = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(application ?? AppContext.BaseDirectory, "mailflow.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
