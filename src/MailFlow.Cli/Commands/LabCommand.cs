using System.CommandLine;
using MailFlow.Lab;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow lab</c>: the article and its neighbours replayed end to end with real transports on loopback.</summary>
internal static class LabCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("lab", "Replay a hybrid TLS failure end to end on this machine: two transports on loopback, the deferral, the logs, diagnose, the fix, delivery");
        var list = new Command("list", "The scenarios, with the root cause each ends in") { GlobalOptions.Json };
        list.SetAction(wrap(context =>
        {
            if (context.Output.Json)
            {
                context.Output.WriteJson(LabScenarios.All.Select(s => new LabScenarioSummary(s.Name, s.Title, s.RootCause)), json => json.IEnumerableLabScenarioSummary);
            }
            else
            {
                context.Output.WriteTable(["Scenario", "Root cause", "What happens"], LabScenarios.All.Select(s => (IReadOnlyList<string>)[s.Name, s.RootCause, s.Title]), "no lab scenarios");
                context.Output.Out.WriteLine($"run one: mailflow lab <scenario> [--step] [--keep [--dir DIR]]   (e.g. mailflow lab {LabScenarios.All[0].Name})");
            }

            return MailFlowCli.Success;
        }));
        command.Subcommands.Add(list);
        foreach (var scenario in LabScenarios.All)
        {
            command.Subcommands.Add(Scenario(scenario, wrap));
        }

        return command;
    }

    private static Command Scenario(LabScenario scenario, Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var directory = new Option<string?>("--dir") { Description = "Where to create the lab's data directories (default: a temporary folder)" };
        var keep = new Option<bool>("--keep") { Description = "Leave the directories to read the logs and run the commands again" };
        var step = new Option<bool>("--step") { Description = "Pause after each step until Enter" };
        var command = new Command(scenario.Name, $"{scenario.Title} (ends in {scenario.RootCause})") { directory, keep, step, GlobalOptions.Json };
        command.SetAction(wrap(context =>
        {
            var output = context.Output;
            var options = new LabOptions
            {
                Directory = context.Parse.GetValue(directory) is { } d ? Path.GetFullPath(d) : null,
                Keep = context.Parse.GetValue(keep),
                Pause = context.Parse.GetValue(step) ? () => { output.Error.Write("(Enter for the next step) "); Console.In.ReadLine(); return Task.CompletedTask; } : null,
            };
            output.Note($"lab {scenario.Name}: {scenario.Title}; PowerShell module {(options.Shell.Available ? $"in {options.Shell.Program}" : "not available (no pwsh): fixes go through the mailflow management layer")}");
            var report = LabRun.RunAsync(scenario, options, s =>
            {
                if (!output.Json)
                {
                    output.Out.WriteLine($"[{s.Number}] {s.Title}");
                    foreach (var fact in s.Facts)
                    {
                        output.Out.WriteLine($"    {fact}");
                    }
                }
            }).GetAwaiter().GetResult();
            if (output.Json)
            {
                output.WriteJson(report, json => json.LabReport);
            }
            else if (report.Passed)
            {
                output.Out.WriteLine($"lab {scenario.Name}: every step behaved as described; diagnose named {report.DiagnosedRootCause}; {report.Seconds:0.0} s"
                    + (options.Keep ? $"; kept in {report.Directory}" : $"; its directories ({report.Directory}) are deleted now, run with --keep to read them"));
            }

            if (!report.Passed)
            {
                output.Error.WriteLine($"mailflow: lab {scenario.Name} failed at step {report.Steps.Count + 1}: {report.Failure}; the directories are kept in {report.Directory}");
                return MailFlowCli.OperationFailed;
            }

            return MailFlowCli.Success;
        }));
        return command;
    }
}
