using MailFlow.Core.Storage;

namespace MailFlow.Core.Tests;

public sealed class DurableFileTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    public DurableFileTests() => Directory.CreateDirectory(directory);

    [Fact]
    public void Replacing_a_file_leaves_the_new_content_owner_only_and_no_temporary_files()
    {
        var path = Path.Combine(directory, "config.json");
        DurableFile.WriteAllBytes(path, "old"u8);

        DurableFile.WriteAllBytes(path, "new"u8);

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(directory));
    }

    [Fact]
    public void A_failed_write_leaves_the_old_content_and_cleans_up()
    {
        var path = Path.Combine(directory, "config.json");
        DurableFile.WriteAllBytes(path, "old"u8);
        Directory.CreateDirectory(path + ".blocker");

        // Renaming over a directory fails: the target stays as it was.
        Assert.ThrowsAny<IOException>(() => DurableFile.WriteAllBytes(path + ".blocker", "x"u8));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(directory));
    }

    [Fact]
    public void Data_directory_is_chosen_by_flag_then_environment_then_default()
    {
        var env = new Dictionary<string, string?> { ["MAILFLOW_DATA"] = "/from/env", ["XDG_DATA_HOME"] = "/xdg" };

        Assert.Equal("/from/flag", DataDirectory.Resolve("/from/flag", k => env.GetValueOrDefault(k)).Root);
        Assert.Equal("/from/env", DataDirectory.Resolve(null, k => env.GetValueOrDefault(k)).Root);
        env.Remove("MAILFLOW_DATA");
        var fallback = DataDirectory.Resolve(null, k => env.GetValueOrDefault(k)).Root;
        Assert.True(fallback is "/var/lib/mailflow" or "/xdg/mailflow", fallback);
    }

    [Fact]
    public void A_new_data_directory_is_owner_only()
    {
        var data = new DataDirectory(Path.Combine(directory, "data"));

        data.EnsureCreated();

        foreach (var folder in new[] { data.Root, data.Certificates, data.Queue, data.Logs, data.Run })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        }
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
