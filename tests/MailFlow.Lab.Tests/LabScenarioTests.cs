using System.Diagnostics;
using System.Text.Json;
using MailFlow.Logs.Reading;
using MailFlow.Management;
using MailFlow.Management.Queues;
using MailFlow.Core.Storage;

namespace MailFlow.Lab.Tests;

/// <summary>
/// Every lab scenario run non-interactively, its story checked from the artefacts it left (tracking log,
/// protocol log, queue, Maildir) and its logs fed to <c>mailflow diagnose --json</c> alone, not from what it printed.
/// </summary>
public sealed class LabScenarioTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    public static TheoryData<string, string> Scenarios() => new()
    {
        { "hybrid", "{MSG=SubjectMismatch}" },
        { "partial", "{MSG=SubjectMismatch}" },
        { "stale-name", "451 5.7.3" },
        { "expired", "{MSG=NotTimeValid}" },
        { "missing-intermediate", "{MSG=UntrustedRoot}" },
        { "untrusted-root", "{MSG=UntrustedRoot}" },
        { "no-starttls", "451 5.7.3" },
        { "send-connector-nokey", "454 4.7.5" },
        { "smtp-inspection", "451 5.7.3" },
        { "tls-version", "TLS negotiation failed with error SocketError" },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task The_scenario_defers_diagnoses_fixes_and_delivers(string name, string reasonSays)
    {
        var scenario = LabScenarios.All.Single(s => s.Name == name);
        var directory = Path.Combine(root, name);

        var report = await LabRun.RunAsync(scenario, new LabOptions { Directory = directory, Keep = true }, _ => { });

        Assert.True(report.Passed, report.Failure);
        Assert.Equal(scenario.RootCause, report.DiagnosedRootCause);
        var sender = Path.Combine(directory, scenario.CloudBound ? "SERVER1" : "tenant");
        var tracking = Rows(Path.Combine(sender, "logs", "MessageTracking"));
        var deferredFrom = $"sender{scenario.DeliveredBeforeFailure + 1}@fabrikam.test";
        var defer = Assert.Single(tracking, r => r["event-id"] == "DEFER" && r["sender-address"] == deferredFrom);
        Assert.Contains(reasonSays, defer["custom-data"] + defer["recipient-status"], StringComparison.Ordinal);
        // Every message submitted was sent in the end: the deferred one after the fix, and one more.
        var submitted = scenario.DeliveredBeforeFailure + 2;
        for (var i = 1; i <= submitted; i++)
        {
            Assert.Single(tracking, r => r["event-id"] == "SEND" && r["sender-address"] == $"sender{i}@fabrikam.test");
        }

        Assert.Empty(new QueueCommands(ServerAdministration.Open(new DataDirectory(sender), initialize: false)).GetMessage(new Queue.MessageFilter()));
        var receivers = scenario.CloudBound ? ["tenant"] : Directory.EnumerateDirectories(directory, "SERVER*").Select(Path.GetFileName).ToList();
        var delivered = receivers.SelectMany(r => Directory.EnumerateFiles(Path.Combine(directory, r!, "mailboxes"), "*", SearchOption.AllDirectories)).Where(f => f.Contains("/new/", StringComparison.Ordinal)).ToList();
        Assert.Equal(submitted, delivered.Count);
        Assert.Equal(submitted, delivered.Select(File.ReadAllText).Count(m => m.Contains("Sent by mailflow lab.", StringComparison.Ordinal)));

        if (!scenario.CloudBound && scenario.ReceiverSeesFailure)
        {
            // What the receiving side logged before the fix: a session that offered no STARTTLS, or the certificate it sent.
            var sessions = ProtocolLogSessions.Read(receivers.SelectMany(r => Rows(Path.Combine(directory, r!, "logs", "ProtocolLog", "SmtpReceive")))).Where(s => s.Ehlo is not null).ToList();
            Assert.Contains(sessions, s => reasonSays.StartsWith("451", StringComparison.Ordinal) ? !s.StartTlsOffered : s.CertificateSent is not null);
        }

        // The logs alone, every folder of every server, and the dumps: diagnose names the same root cause.
        var logs = Directory.EnumerateDirectories(directory).Where(d => Directory.Exists(Path.Combine(d, "logs"))).SelectMany(d => new[] { "--logs", Path.Combine(d, "logs") });
        var json = JsonDocument.Parse(Mailflow(["diagnose", .. logs, "--certs", Path.Combine(directory, "dumps", "Get-ExchangeCertificate.txt"), "--connectors", Path.Combine(directory, "dumps", "Get-ReceiveConnector.txt"), "--json"]));
        Assert.Equal(scenario.RootCause, json.RootElement.GetProperty("Findings")[0].GetProperty("RootCause").GetString());

        // The logs alone, kept after the fix, hold sessions from before and after it. One server whose
        // certificate changed at a time is that change, never RC02 (two servers configured differently).
        var logsOnly = JsonDocument.Parse(Mailflow(["diagnose", .. logs, "--json"])).RootElement;
        var findings = logsOnly.GetProperty("Findings").EnumerateArray().ToList();
        if (name != "partial")
        {
            Assert.DoesNotContain(findings, f => f.GetProperty("RootCause").GetString() == "RC02" && f.GetProperty("Confidence").GetString() == "High");
        }

        if (name == "hybrid")
        {
            Assert.Equal("RC01", findings[0].GetProperty("RootCause").GetString());
            Assert.Contains(findings[0].GetProperty("Evidence").EnumerateArray(), e => e.GetProperty("Says").GetString()!.Contains("the certificate changed then", StringComparison.Ordinal));
            // Seen from both sides: SERVER1's own log and the tenant's SmtpSend log each show the one change.
            var changes = logsOnly.GetProperty("Changes").EnumerateArray().ToList();
            Assert.NotEmpty(changes);
            Assert.All(changes, c => Assert.Contains("from CN=SERVER1", c.GetProperty("What").GetString(), StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Lab_list_names_every_scenario_with_its_root_cause()
    {
        var list = JsonDocument.Parse(Mailflow(["lab", "list", "--json"])).RootElement.EnumerateArray().ToList();

        Assert.Equal(LabScenarios.All.Select(s => s.Name), list.Select(e => e.GetProperty("Name").GetString()));
        Assert.Equal(LabScenarios.All.Select(s => s.RootCause), list.Select(e => e.GetProperty("RootCause").GetString()));
    }

    [Fact]
    public void Lab_list_says_how_to_run_a_scenario()
    {
        Assert.Contains("run one: mailflow lab <scenario> [--step] [--keep [--dir DIR]]   (e.g. mailflow lab hybrid)", Mailflow(["lab", "list"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Lab_help_lists_only_options_the_lab_uses()
    {
        var lab = Mailflow(["lab", "--help"]);
        var scenario = Mailflow(["lab", "hybrid", "--help"]);

        Assert.DoesNotContain("--data", lab, StringComparison.Ordinal);
        Assert.DoesNotContain("--json", lab, StringComparison.Ordinal);
        Assert.DoesNotContain("--data", scenario, StringComparison.Ordinal);
        Assert.Contains("--json", scenario, StringComparison.Ordinal);
        Assert.Contains("--data", Mailflow(["queue", "list", "--help"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_without_keep_says_its_paths_are_gone()
    {
        var output = Mailflow(["lab", "no-starttls"]);

        Assert.Contains("reproduce (after a run with --keep; without it these files are deleted at the end): mailflow diagnose", output, StringComparison.Ordinal);
        Assert.Contains("are deleted now, run with --keep to read them", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pwsh_test_sh_installs_in_the_checkout_is_found_without_MAILFLOW_PWSH()
    {
        var program = Directory.CreateDirectory(Path.Combine(root, "checkout", "src", "MailFlow.Cli", "bin", "Release", "net10.0")).FullName;
        File.WriteAllText(Path.Combine(program, "MailFlow.psd1"), "@{}");
        var tool = Path.Combine(Directory.CreateDirectory(Path.Combine(root, "checkout", ".tools", "pwsh")).FullName, "pwsh");
        File.WriteAllText(tool, "#!/bin/sh");

        var shell = LabShell.Find(name => name == "PATH" ? "/nonexistent" : null, program);

        Assert.True(shell.Available);
        Assert.Equal(tool, shell.Program);
    }

    [Fact]
    public void A_lab_directory_that_is_not_empty_is_refused_and_left_alone()
    {
        var directory = Directory.CreateDirectory(Path.Combine(root, "taken")).FullName;
        File.WriteAllText(Path.Combine(directory, "notes.txt"), "mine");

        var (code, _, error) = Run(["lab", "hybrid", "--dir", directory]);

        Assert.Equal(1, code);
        Assert.Contains("not empty", error, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName));
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static List<LogRow> Rows(string folder)
    {
        var reader = new ExchangeLogReader();
        var rows = ExchangeLogReader.Files(folder).SelectMany(reader.Read).ToList();
        Assert.Empty(reader.Malformed);
        return rows;
    }

    private string Mailflow(string[] arguments)
    {
        var (code, output, error) = Run(arguments);
        Assert.True(code == 0, $"mailflow {string.Join(' ', arguments)} exited {code}: {error}");
        return output;
    }

    private (int Code, string Out, string Error) Run(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mailflow.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }
}
