using System.CommandLine;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.Probe;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow diagnose</c>: correlates a reason, protocol logs and dumps into root causes with evidence and the fix.</summary>
internal static class DiagnoseCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var reason = new Option<string?>("--reason") { Description = "The message-trace reason, queue LastError or NDR line" };
        var logs = new Option<string[]>("--logs") { Description = "Protocol-log files or folders (SmtpReceive/SmtpSend)", AllowMultipleArgumentsPerToken = true };
        var certs = new Option<string?>("--certs") { Description = "Get-ExchangeCertificate | fl output" };
        var connectors = new Option<string?>("--connectors") { Description = "Get-ReceiveConnector | fl output" };
        var expect = new Option<string?>("--expect") { Description = "The name the sender expects, when the reason does not say" };
        var probe = new Option<string?>("--probe") { Description = "HOST[:PORT] to probe as a sending MTA and include in the evidence" };
        var ca = new Option<string[]>("--ca") { Description = "Extra trusted root(s) for --probe, PEM", AllowMultipleArgumentsPerToken = true };
        var html = new Option<string?>("--html") { Description = "Also write one self-contained HTML report to this file" };
        var artefacts = new Argument<string[]>("artefacts")
        {
            Description = "Any other files or folders: logs with or without their header, transcripts, fl dumps, Test-Certificate/certutil output, event texts, queue dumps (each recognised by its content)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("diagnose", "Name the root cause from the evidence given, cite it by file:line and print the fix") { artefacts, reason, logs, certs, connectors, expect, probe, ca, html };
        command.SetAction(wrap(context =>
        {
            var evidence = context.Parse.GetValue(artefacts) ?? [];
            foreach (var path in (context.Parse.GetValue(logs) ?? []).Concat(evidence).Concat(new[] { context.Parse.GetValue(certs), context.Parse.GetValue(connectors) }.OfType<string>()))
            {
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    throw new Core.Errors.MailFlowException($"{path}: no such file or folder", Core.Errors.MailFlowErrorKind.InvalidArgument);
                }
            }

            var logFiles = (context.Parse.GetValue(logs) ?? []).SelectMany(p => Directory.Exists(p) ? Logs.Reading.ExchangeLogReader.Files(p) : [p]).ToList();
            var logBytes = logFiles.Sum(f => new FileInfo(f).Length);

            ProbeReport? probed = null;
            if (context.Parse.GetValue(probe) is { } target)
            {
                var colon = target.LastIndexOf(':');
                var (host, port) = colon > 0 && int.TryParse(target[(colon + 1)..], out var p) ? (target[..colon], p) : (target, 25);
                var expected = context.Parse.GetValue(expect) ?? (context.Parse.GetValue(reason) is { } text ? Diagnostics.Reasons.ReasonParser.Parse(text).TargetHost : null);
                probed = SmtpProbe.ProbeAsync(host, port, new ProbeOptions { Expect = expected, Anchors = Certificates.Trust.TrustAnchors.Load(true, context.Parse.GetValue(ca) ?? []) })
                    .GetAwaiter().GetResult();
            }

            var request = new DiagnosisRequest
            {
                Probe = probed,
                Reason = context.Parse.GetValue(reason),
                Logs = context.Parse.GetValue(logs) ?? [],
                Evidence = evidence,
                Certificates = context.Parse.GetValue(certs),
                Connectors = context.Parse.GetValue(connectors),
                Expect = context.Parse.GetValue(expect),
            };
            // Row-level reading keeps evidence per line (about 150 MB/s): show progress beyond a few seconds' worth.
            var diagnosis = logBytes > 16L * 1024 * 1024
                ? Output.ByteProgress.Run($"reading {logFiles.Count} log file(s)", logBytes, progress => Diagnoser.Run(request with { LogBytesRead = progress }))
                : Diagnoser.Run(request);
            if (context.Parse.GetValue(html) is { } report)
            {
                Core.Storage.DurableFile.WriteAllBytes(report, System.Text.Encoding.UTF8.GetBytes(HtmlReport.Render(diagnosis)), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                context.Output.Note($"HTML report: {report}");
            }

            if (context.Output.Json)
            {
                context.Output.WriteJson(diagnosis, json => json.Diagnosis);
            }
            else
            {
                Write(context, diagnosis);
            }

            // Nothing to reason on is a failure of the input, not a finding: say so by the exit code too.
            return diagnosis.NothingRead ? MailFlowCli.OperationFailed : MailFlowCli.Success;
        }));
        return command;
    }

    private static void Write(CommandContext context, Diagnosis diagnosis)
    {
        var output = context.Output.Out;
        output.WriteLine($"Read {diagnosis.SessionsRead} protocol-log session(s){(diagnosis.Malformed.Count > 0 ? $"; {diagnosis.Malformed.Count} line(s) not understood: {string.Join(", ", diagnosis.Malformed.Take(5))}" : string.Empty)}.");
        foreach (var input in diagnosis.Inputs)
        {
            output.WriteLine(input.Usable ? $"  read    {input.Source}: {input.Kind}, {input.Items} item(s)" : $"  UNUSED  {input.Source}: {input.Problem ?? "nothing in it"}");
        }

        foreach (var prediction in diagnosis.Predictions)
        {
            output.WriteLine($"{prediction.Connector}: Exchange's selection (searching {prediction.SearchedFor}) picks {prediction.PredictedSubject ?? "nothing"} {prediction.PredictedThumbprint}" +
                (prediction.LoggedThumbprint is null ? string.Empty : $"; the log shows {prediction.LoggedSubject} {prediction.LoggedThumbprint}{(prediction.Agrees == true ? " (agrees)" : " (DIFFERS)")}"));
        }

        foreach (var finding in diagnosis.Findings)
        {
            output.WriteLine();
            output.WriteLine($"{finding.RootCause} [{finding.Confidence}] {finding.Title}");
            foreach (var evidence in finding.Evidence)
            {
                output.WriteLine($"  evidence  {evidence.Source}");
                output.WriteLine($"            {evidence.Says}");
            }

            foreach (var missing in finding.Missing)
            {
                output.WriteLine($"  to be sure: {missing}");
            }

            output.WriteLine("  fix:");
            foreach (var line in finding.Fix)
            {
                output.WriteLine($"    {line}");
            }
        }

        foreach (var note in diagnosis.Notes)
        {
            output.WriteLine($"note: {note}");
        }
    }
}
