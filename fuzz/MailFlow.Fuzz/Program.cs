using System.Diagnostics;
using MailFlow.Fuzz;
using SharpFuzz;

// fuzz/run drives this program; see fuzz/README.md.
//   list                          the targets, one a line
//   afl <target>                  the SharpFuzz fork server for afl-fuzz (instrumented assemblies)
//   replay <target> <path>...     runs files (or every file of folders) once each: triage and regression checks
//   seeds <repo-root> <out-dir>   writes the seed corpora from the repository's test data
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: MailFlow.Fuzz list | afl <target> | replay <target> <file-or-dir>... | seeds <repo-root> <out-dir>");
    return 2;
}

switch (args[0])
{
    case "list":
        foreach (var (name, (parser, _)) in Targets.All)
        {
            Console.WriteLine($"{name}\t{parser}");
        }

        return 0;
    case "afl" when args.Length == 2 && Targets.All.TryGetValue(args[1], out var target):
        Fuzzer.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            target.Run(copy.GetBuffer().AsMemory(0, (int)copy.Length));
        });
        return 0;
    case "replay" when args.Length >= 3 && Targets.All.TryGetValue(args[1], out var target):
        return Replay(target.Run, args[2..]);
    case "seeds" when args.Length == 3:
        Seeds.Write(args[1], args[2]);
        return 0;
    default:
        Console.Error.WriteLine($"unknown command or target: {string.Join(' ', args)} (targets: {string.Join(", ", Targets.All.Keys)})");
        return 2;
}

// Each input runs once; an escaping exception is printed with its input's name and the run fails.
static int Replay(Action<ReadOnlyMemory<byte>> run, string[] paths)
{
    var failures = 0;
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]);
    foreach (var file in files)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            run(File.ReadAllBytes(file));
            Console.WriteLine($"ok    {clock.Elapsed.TotalMilliseconds,8:0.0} ms  {file}");
        }
        catch (Exception ex)
        {
            failures++;
            Console.WriteLine($"CRASH {clock.Elapsed.TotalMilliseconds,8:0.0} ms  {file}\n{ex}");
        }
    }

    return failures == 0 ? 0 : 1;
}
