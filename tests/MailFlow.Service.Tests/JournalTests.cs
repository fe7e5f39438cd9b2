using System.Diagnostics;
using MailFlow.Testing;

namespace MailFlow.Service.Tests;

/// <summary>
/// Under systemd, stderr is the journal and systemd names it in $JOURNAL_STREAM (device:inode). Here the
/// variable is set the way systemd sets it, from the stream's own stat(2), so the real executable has to
/// recognise its stderr and prefix every line with the syslog priority (sd-daemon(3)).
/// </summary>
public sealed class JournalTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_listener_that_cannot_bind_is_an_error_line_in_the_journal_and_plain_text_elsewhere(bool journal)
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var (data, _) = ChildServer.Prepare(root, connector => connector.Bindings = [$"127.0.0.1:{port}"]);

        var stderr = ServeStderr(data.Root, journal);

        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains($"cannot listen on 127.0.0.1:{port}", StringComparison.Ordinal));
        if (journal)
        {
            Assert.All(lines, l => Assert.StartsWith("<", l, StringComparison.Ordinal));
            Assert.StartsWith("<3>cannot listen on", lines.Single(l => l.Contains("cannot listen", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.True(lines.Count(l => l.StartsWith("<3>", StringComparison.Ordinal)) > 1, "the hint lines of the error carry its priority too:\n" + stderr);
        }
        else
        {
            Assert.DoesNotContain(lines, l => l.StartsWith('<'));
            Assert.StartsWith("mailflow: cannot listen on", lines.Single(l => l.Contains("cannot listen", StringComparison.Ordinal)), StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string ServeStderr(string data, bool journal)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "mailflow.dll");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        // stat -L of /proc/self/fd/2 is the pipe the test reads: what systemd would have written for its journal stream.
        start.ArgumentList.Add((journal ? "export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); " : "unset JOURNAL_STREAM; ") + "exec dotnet \"$0\" serve --data \"$1\"");
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(data);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        Assert.Equal(1, process.ExitCode);
        return stderr;
    }
}
