namespace MailFlow.Fuzz;

/// <summary>
/// The file-based readers take a path, so each input is written to one reused file in a private
/// directory (on tmpfs when there is one: the disk is not the bottleneck of a run).
/// </summary>
internal static class Scratch
{
    private static readonly string Root = CreateRoot();

    public static string Directory => Root;

    public static string Write(string name, ReadOnlySpan<byte> content)
    {
        var path = Path.Combine(Root, name);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.Write(content);
        return path;
    }

    private static string CreateRoot()
    {
        var parent = System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var root = Path.Combine(parent, $"mailflow-fuzz-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // another run's cleanup raced this one; the folder is in tmpfs and goes at reboot
            }
        };
        return root;
    }
}
