using System.Diagnostics;

namespace MailFlow.Cli.Tests;

/// <summary>The repository's ./mailflow launcher, run with a stand-in `dotnet` so its build-or-not decision is observed in milliseconds.</summary>
public sealed class LauncherScriptTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    public LauncherScriptTests()
    {
        // A checkout in miniature: the launcher, one source file, and a dotnet that "publishes" a mailflow
        // executable into the -o folder, which says how it was run.
        Directory.CreateDirectory(Path.Combine(root, "src", "MailFlow.Cli"));
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.Copy(Path.Combine(RepositoryRoot(), "mailflow"), Path.Combine(root, "mailflow"));
        File.WriteAllText(Path.Combine(root, "src", "MailFlow.Cli", "Program.cs"), "// source");
        var dotnet = Path.Combine(root, "bin", "dotnet");
        File.WriteAllText(dotnet, """
            #!/usr/bin/env bash
            [ "$1" = publish ] || exit 64
            while [ "$#" -gt 0 ] && [ "$1" != -o ]; do shift; done
            mkdir -p "$2"
            printf '#!/usr/bin/env bash\necho "ran $*"\n' > "$2/mailflow"
            chmod +x "$2/mailflow"
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public void Says_on_stderr_that_it_builds_only_when_it_builds()
    {
        var first = Launch("--help");
        Assert.Contains("building", first.Error, StringComparison.Ordinal);
        Assert.Contains("about three minutes", first.Error, StringComparison.Ordinal);
        Assert.Contains("--help", first.Out, StringComparison.Ordinal);

        var second = Launch("--help");
        Assert.Equal(string.Empty, second.Error);
        Assert.Contains("--help", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Publishes_again_when_a_source_is_newer_than_the_last_publish()
    {
        Launch("--help");
        File.SetLastWriteTimeUtc(Path.Combine(root, "src", "MailFlow.Cli", "Program.cs"), DateTime.UtcNow.AddMinutes(1));

        var afterEdit = Launch("queue", "list");

        Assert.Contains("building", afterEdit.Error, StringComparison.Ordinal);
        Assert.Contains("ran queue list", afterEdit.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Publishes_again_when_the_repository_wide_props_are_newer_than_the_last_publish()
    {
        // The version lives in Directory.Build.props at the root, outside src/; the package is named after it.
        var props = Path.Combine(root, "Directory.Build.props");
        File.WriteAllText(props, "<Project />");
        Launch("--help");
        File.SetLastWriteTimeUtc(props, DateTime.UtcNow.AddMinutes(1));

        var afterEdit = Launch("--version");

        Assert.Contains("building", afterEdit.Error, StringComparison.Ordinal);
        Assert.Contains("ran --version", afterEdit.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_build_rewriting_its_generated_sources_under_obj_does_not_make_it_publish_again()
    {
        Launch("--help");
        var generated = Path.Combine(root, "src", "MailFlow.Cli", "obj", "Release", "net10.0", "mailflow.AssemblyInfo.cs");
        Directory.CreateDirectory(Path.GetDirectoryName(generated)!);
        File.WriteAllText(generated, "// generated");
        File.SetLastWriteTimeUtc(generated, DateTime.UtcNow.AddMinutes(1));

        Assert.Equal(string.Empty, Launch("--help").Error);
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
