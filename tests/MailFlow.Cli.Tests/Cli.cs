using System.Diagnostics;
using System.Security.Cryptography;

namespace MailFlow.Cli.Tests;

public sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>Runs the CLI in-process against a data directory of its own, or as the real executable.</summary>
public sealed class Cli : IDisposable
{
    public Cli()
    {
        Root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Data = Path.Combine(Root, "data");
    }

    public string Root { get; }

    public string Data { get; }

    /// <summary>A file holding <paramref name="password"/>, for --password-file (passwords are never arguments).</summary>
    public string PasswordFile(string password)
    {
        var path = Path.Combine(Root, $"password-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, password + "\n");
        return path;
    }

    public CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = MailFlowCli.Run([.. args, "--data", Data], stdout, stderr, name => name == "MAILFLOW_DATA" ? null : Environment.GetEnvironmentVariable(name));
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs the built mailflow executable, so exit codes cross a real process boundary.</summary>
    public CliResult RunProcess(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "mailflow.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args.Concat(["--data", Data]))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr);
    }

    /// <summary>Every file under the data directory with a hash of its content: "nothing changed on disk" is an equality.</summary>
    public IReadOnlyDictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(Data, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".config.lock", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(Data, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>
    /// Every folder and file under <see cref="Root"/> (the data directory and the inputs beside it)
    /// with a hash of each file: also sees a data directory created, or an input file changed.
    /// </summary>
    public IReadOnlyDictionary<string, string> SnapshotAll() =>
        Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".config.lock", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(Root, f), f => Directory.Exists(f) ? "directory" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
