using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MailFlow.Logs.Reading;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow logs summary PATH…</c>: sessions and lines per connector over protocol logs of any size.</summary>
internal static class LogsCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("logs", "Read Exchange (or MailFlow) protocol logs");
        var paths = new Argument<string[]>("paths") { Description = "Protocol-log files or folders (.LOG/.log, any depth)", Arity = ArgumentArity.OneOrMore };
        var summary = new Command("summary", "Sessions and lines per connector; streams, so any size works") { paths };
        summary.SetAction(wrap(context =>
        {
            var files = new List<string>();
            foreach (var path in context.Parse.GetValue(paths)!)
            {
                files.AddRange(Directory.Exists(path) ? ExchangeLogReader.Files(path)
                    : File.Exists(path) ? [path]
                    : throw new Core.Errors.MailFlowException($"{path}: no such file or folder", Core.Errors.MailFlowErrorKind.InvalidArgument));
            }

            var total = files.Sum(f => new FileInfo(f).Length);
            var clock = Stopwatch.StartNew();
            var showProgress = total > 64L * 1024 * 1024 && !Console.IsErrorRedirected;
            var totals = ProtocolLogSummary.Summarize(files, read =>
            {
                if (showProgress)
                {
                    context.Output.Error.Write($"\rmailflow: read {read / (1024 * 1024)} of {total / (1024 * 1024)} MB");
                }
            });
            if (showProgress)
            {
                context.Output.Error.WriteLine();
            }

            var seconds = clock.Elapsed.TotalSeconds;
            if (context.Output.Json)
            {
                context.Output.WriteJson(totals, json => json.ProtocolLogTotals);
            }
            else
            {
                context.Output.WriteTable(["Connector", "Sessions", "Lines"],
                    totals.Connectors.Select(c => (IReadOnlyList<string>)[c.ConnectorId, c.Sessions.ToString(CultureInfo.InvariantCulture), c.Lines.ToString(CultureInfo.InvariantCulture)]), "no protocol log sessions");
                foreach (var line in totals.Malformed.Take(20))
                {
                    context.Output.Note($"not understood: {line}");
                }
            }

            context.Output.Note(string.Create(CultureInfo.InvariantCulture,
                $"{totals.Lines} lines, {totals.Bytes / (1024.0 * 1024):0} MB in {seconds:0.00} s ({totals.Bytes / (1024.0 * 1024) / Math.Max(seconds, 1e-6):0} MB/s); {totals.Malformed.Count} line(s) not understood"));
            return MailFlowCli.Success;
        }));
        command.Subcommands.Add(summary);
        return command;
    }
}
