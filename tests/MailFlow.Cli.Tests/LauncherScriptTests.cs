using System.Diagnostics;

namespace MailFlow.Cli.Tests;

/// <summary>The repository's ./mailflow launcher, run with a stand-in `dotnet` so its build-or-not decision is observed in milliseconds.</summary>
public sealed class LauncherScriptTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    public LauncherScriptTests()
    {
        // A checkout in miniature: the launcher, one source file, and a dotnet that "builds" by creating the dll.
        Directory.CreateDirectory(Path.Combine(root, "src", "MailFlow.Cli"));
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.Copy(Path.Combine(RepositoryRoot(), "mailflow"), Path.Combine(root, "mailflow"));
        File.WriteAllText(Path.Combine(root, "src", "MailFlow.Cli", "Program.cs"), "// source");
        var dotnet = Path.Combine(root, "bin", "dotnet");
        File.WriteAllText(dotnet, """
            #!/usr/bin/env bash
            if [ "$1" = build ]; then
              mkdir -p "$2/bin/Release/net10.0" && touch "$2/bin/Release/net10.0/mailflow.dll"
            else
              echo "ran $*"
            fi
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public void Says_on_stderr_that_it_builds_only_when_it_builds()
    {
        var first = Launch("--help");
        Assert.Contains("building", first.Error, StringComparison.Ordinal);
        Assert.Contains("about a minute", first.Error, StringComparison.Ordinal);
        Assert.Contains("--help", first.Out, StringComparison.Ordinal);

        var second = Launch("--help");
        Assert.Equal(string.Empty, second.Error);
        Assert.Contains("--help", second.Out, StringComparison.Ordinal);
    }

    private CliResult Launch(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(root, "mailflow"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PATH"] = Path.Combine(root, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr);
    }

    /// <summary>The checkout the tests were built from: the nearest parent holding MailFlow.slnx.</summary>
    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "MailFlow.slnx")))
        {
            directory = directory.Parent ?? throw new InvalidOperationException("no MailFlow.slnx above " + AppContext.BaseDirectory);
        }

        return directory.FullName;
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
