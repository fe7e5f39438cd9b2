using System.Globalization;
using MailFlow.Packaging;

// Usage: MailFlow.Packaging OUTDIR VERSION DATE — writes OUTDIR/mailflow.8 and OUTDIR/mailflow.bash-completion.
// DATE (yyyy-mm-dd) is given, not taken from the clock, so the same sources build the same package.
if (args.Length != 3 || !DateOnly.TryParseExact(args[2], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
{
    await Console.Error.WriteLineAsync("usage: MailFlow.Packaging OUTDIR VERSION DATE(yyyy-mm-dd)");
    return 2;
}

var tree = CommandTree.Load();
Directory.CreateDirectory(args[0]);
await File.WriteAllTextAsync(Path.Combine(args[0], "mailflow.8"), ManPage.Write(tree, args[1], date));
await File.WriteAllTextAsync(Path.Combine(args[0], "mailflow.bash-completion"), BashCompletion.Write(tree));
return 0;
