using System.Diagnostics;
using System.Text.Json;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Logs.Reading;
using MailFlow.Management;
using MailFlow.Management.Certificates;
using MailFlow.Management.Connectors;
using MailFlow.Management.Control;
using MailFlow.Management.Queues;
using MailFlow.Queue;
using MailFlow.Transport.Administration;
using MimeKit;

namespace MailFlow.Lab;

/// <summary>What one run of a scenario showed; written to <c>lab.json</c> in the lab directory.</summary>
public sealed record LabReport(string Scenario, string ExpectedRootCause, string? DiagnosedRootCause, bool Passed, string? Failure, IReadOnlyList<LabStep> Steps, double Seconds, string Directory);

public sealed record LabStep(int Number, string Title, IReadOnlyList<string> Facts);

public sealed record LabOptions
{
    /// <summary>Where the lab's data directories, dumps and report go; a fresh temporary folder when null.</summary>
    public string? Directory { get; init; }

    /// <summary>Leave the directories for the user to read the logs and run the commands again.</summary>
    public bool Keep { get; init; }

    /// <summary>Called between steps (<c>--step</c> waits for Enter).</summary>
    public Func<Task>? Pause { get; init; }

    public LabShell Shell { get; init; } = LabShell.Find();
}

/// <summary>
/// The story every scenario tells, each step checked against the artefacts it produced (queue, tracking
/// log, protocol log, Maildir, diagnose) before it is reported: set up and break; submit; deferred with
/// the reason; what the receiving server logged; diagnose on logs and dumps alone; the fix through the
/// management layer; restart; retry and delivery; and new mail flowing.
/// </summary>
public sealed class LabRun
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly LabScenario scenario;
    private readonly LabOptions options;
    private readonly Action<LabStep> report;
    private readonly List<LabStep> steps = [];
    private int submitted;

    private LabRun(LabScenario scenario, LabOptions options, Action<LabStep> report)
    {
        this.scenario = scenario;
        this.options = options;
        this.report = report;
    }

    /// <summary>Runs <paramref name="scenario"/>; <paramref name="report"/> hears each step as it is confirmed.</summary>
    public static async Task<LabReport> RunAsync(LabScenario scenario, LabOptions options, Action<LabStep> report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        var directory = options.Directory ?? Path.Combine(Path.GetTempPath(), $"mailflow-lab-{scenario.Name}-{Guid.NewGuid():N}"[..40]);
        if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new LabCheckException($"{directory}: not empty; the lab needs a fresh directory (or none, for a temporary one)");
        }

        System.IO.Directory.CreateDirectory(directory);
        var run = new LabRun(scenario, options, report);
        var clock = Stopwatch.StartNew();
        string? diagnosed = null;
        string? failure = null;
        try
        {
            await using var world = new LabWorld(directory);
            diagnosed = await run.TellAsync(world, cancellationToken);
        }
        catch (LabCheckException e)
        {
            failure = e.Message;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or Core.Errors.MailFlowException or MailKit.CommandException or MailKit.ProtocolException or InvalidOperationException)
        {
            // A machine that would not start, a refused submission, a management call that failed: the run
            // fails at this step with the cause, and the directories stay for a look.
            failure = $"{e.GetType().Name}: {e.Message}";
        }

        var result = new LabReport(scenario.Name, scenario.RootCause, diagnosed, failure is null, failure, run.steps, clock.Elapsed.TotalSeconds, directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "lab.json"), JsonSerializer.Serialize(result, LabJsonContext.Default.LabReport), cancellationToken);
        if (!options.Keep && failure is null)
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }

        return result;
    }

    private async Task<string> TellAsync(LabWorld world, CancellationToken cancellationToken)
    {
        var sender = scenario.CloudBound ? world.Server1 : world.Tenant;
        var recipient = scenario.CloudBound ? "admin@" + LabWorld.CloudRoutingDomain : "user@" + LabWorld.OnPremisesDomain;

        var broken = scenario.Break(world);
        foreach (var site in world.OnPremises.Prepend(world.Tenant))
        {
            site.Start();
        }

        await StepAsync("Set up", [
            $"tenant (plays Exchange Online): {world.Tenant.Root}, outbound connector to {LabWorld.HybridName}, TlsAuthLevel DomainValidation, TlsDomain {LabWorld.HybridName}, RequireTLS",
            .. world.OnPremises.Select(s => $"{s.Name} (plays on-premises Exchange 2013): {s.Root}, {s.FrontendIdentity} on {s.Address}:{s.Port}"),
            .. broken]);

        var facts = new List<string>();
        for (var i = 0; i < scenario.DeliveredBeforeFailure; i++)
        {
            var through = await SubmitAsync(sender, recipient, cancellationToken);
            facts.Add($"{through} delivered: {await DeliveredAsync(world, sender, through, cancellationToken)}");
        }

        var from = await SubmitAsync(sender, recipient, cancellationToken);
        var deferred = await WaitAsync(() => Message(sender, from) is { Status: MessageState.Retry, LastError: not null } m ? m : null,
            () => $"the message from {from} was not deferred at {sender.Name} within {Patience.TotalSeconds} s (queue: {Message(sender, from)?.Status})", cancellationToken);
        facts.Add($"message from {from} to {recipient} submitted to {sender.Name}: deferred, queue LastError {deferred.LastError}");
        await StepAsync("Submit", facts);

        var tracked = await WaitAsync(() => Tracked(sender, from, "DEFER"), () => $"no DEFER event for {from} in {sender.TrackingLogs}", cancellationToken);
        await StepAsync("Tracking log", [$"{sender.Name} DEFER {tracked.File}:{tracked.Line}: {Reason(tracked)}"]);

        var receivers = scenario.CloudBound ? [world.Tenant] : world.OnPremises;
        var evidence = new List<string>();
        foreach (var receiver in receivers)
        {
            var sessions = await Sessions(receiver, cancellationToken);
            evidence.AddRange(sessions.Select(s => $"{receiver.Name} {s.Lines[0]}: {s.ConnectorId} from {s.RemoteEndpoint}: EHLO {s.Ehlo}; STARTTLS {(s.StartTlsOffered ? "offered" : "NOT offered")}"
                + (s.CertificateSent is { } sent ? $"; sent certificate {sent.Subject} ({sent.Thumbprint}) issued by {sent.Issuer}" : string.Empty)));
        }

        await StepAsync("Receiving server's SmtpReceive log", evidence.Count > 0 ? evidence : ["no session reached the receiving side: the sender failed before connecting"]);

        var diagnosis = Diagnose(world, sender, receivers);
        var top = diagnosis.Findings.Count > 0 ? diagnosis.Findings[0] : throw new LabCheckException("diagnose named no root cause: " + string.Join("; ", diagnosis.Notes));
        if (top.RootCause != scenario.RootCause)
        {
            throw new LabCheckException($"diagnose ranked {top.RootCause} first, not {scenario.RootCause}: {string.Join(", ", diagnosis.Findings.Select(f => $"{f.RootCause} {f.Confidence}"))}");
        }

        await StepAsync("Diagnose (logs and dumps only)", [
            $"{top.RootCause} [{top.Confidence}] {top.Title}",
            .. top.Evidence.Select(e => $"evidence {e.Source}: {e.Says}"),
            .. top.Fix.Select(f => "fix: " + f),
            // Without --keep these files are deleted when the run ends, so the command is only worth copying with it.
            (options.Keep ? "reproduce: " : "reproduce (after a run with --keep; without it these files are deleted at the end): ")
                + $"mailflow diagnose {string.Join(' ', DiagnoseArguments(world, sender, receivers))}"]);

        var commands = await scenario.FixAsync(world, options.Shell, cancellationToken);
        await StepAsync("Fix", commands);

        var restarted = new List<string>();
        foreach (var site in scenario.Fixed(world))
        {
            var how = $"mailflow service restart --data {site.Root}";
            if (options.Shell.Available)
            {
                await options.Shell.RunAsync(site, "Restart-TransportService | Out-Null", cancellationToken);
                how = "Restart-TransportService (pwsh)";
            }
            else
            {
                new ServiceCommands(site.Administration).Restart();
            }

            var status = new ServiceCommands(site.Administration).Status();
            restarted.Add($"{site.Name}: {how}; restarts since start {status.Restarts}; "
                + string.Join("; ", status.Listeners.Select(l => $"{l.Connector} on {l.Endpoint} presents {l.CertificateSubject ?? "no certificate (no STARTTLS)"} {l.CertificateThumbprint}")));
        }

        await StepAsync("Restart", restarted);

        var queues = new QueueCommands(sender.Administration);
        var retried = queues.GetQueue(MessageState.Retry).Select(q => (q.Identity, Count: queues.RetryQueue(q.Identity))).ToList();
        var delivered = await DeliveredAsync(world, sender, from, cancellationToken);
        var fresh = await SubmitAsync(sender, recipient, cancellationToken);
        var freshDelivered = await DeliveredAsync(world, sender, fresh, cancellationToken);
        await StepAsync("Retry", [
            .. retried.Select(q => $"mailflow queue retry \"{q.Identity}\" --data {sender.Root}: {q.Count} message(s) due now"),
            $"the deferred message from {from} is delivered: {delivered}",
            $"new mail flows: the message from {fresh} is delivered: {freshDelivered}"]);
        return top.RootCause;
    }

    private async Task StepAsync(string title, IReadOnlyList<string> facts)
    {
        var step = new LabStep(steps.Count + 1, title, facts);
        steps.Add(step);
        report(step);
        if (options.Pause is not null)
        {
            await options.Pause();
        }
    }

    /// <summary>Submits one message to <paramref name="site"/>'s Default Frontend over SMTP, as any sender on the internet would; returns its unique sender address.</summary>
    private async Task<string> SubmitAsync(LabSite site, string recipient, CancellationToken cancellationToken)
    {
        var from = $"sender{++submitted}@fabrikam.test";
        var message = new MimeMessage { Subject = $"lab {scenario.Name} message {submitted}", MessageId = $"lab-{scenario.Name}-{submitted}@fabrikam.test" };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Body = new TextPart("plain") { Text = "Sent by mailflow lab.\r\n" };
        using var client = new MailKit.Net.Smtp.SmtpClient();
        await client.ConnectAsync(site.Address, site.Port, MailKit.Security.SecureSocketOptions.None, cancellationToken);
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        return from;
    }

    /// <summary>
    /// Waits until the message has left <paramref name="sender"/>'s queue with a SEND (or local DELIVER) in
    /// its tracking log, and returns the Maildir file holding it.
    /// </summary>
    private async Task<string> DeliveredAsync(LabWorld world, LabSite sender, string from, CancellationToken cancellationToken)
    {
        var sent = await WaitAsync(
            () => Message(sender, from) is null ? Tracked(sender, from, "SEND") : null,
            () => $"the message from {from} was not delivered within {Patience.TotalSeconds} s (queue: {Message(sender, from)?.Status} {Message(sender, from)?.LastError})", cancellationToken);
        var sites = scenario.CloudBound ? [world.Tenant] : world.OnPremises;
        var file = await WaitAsync(
            () => sites.SelectMany(s => System.IO.Directory.Exists(s.Administration.Data.Mailboxes) ? System.IO.Directory.EnumerateFiles(s.Administration.Data.Mailboxes, "*", SearchOption.AllDirectories) : [])
                .FirstOrDefault(f => f.Contains($"{Path.DirectorySeparatorChar}new{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && File.ReadAllText(f).Contains("From: " + from, StringComparison.Ordinal)),
            () => $"the message from {from} was sent but no Maildir holds it", cancellationToken);
        return $"{sender.Name} SEND {sent.File}:{sent.Line} ({sent["recipient-status"]}); in {file}";
    }

    private static LogRow? Tracked(LabSite site, string from, string eventId) =>
        ExchangeLogReader.Files(site.TrackingLogs).SelectMany(new ExchangeLogReader().Read).LastOrDefault(r => r["event-id"] == eventId && r["sender-address"] == from);

    private static MessageInfo? Message(LabSite site, string from) =>
        new QueueCommands(site.Administration).GetMessage(new MessageFilter(Sender: from)) is { Count: > 0 } found ? found[0] : null;

    private static async Task<IReadOnlyList<ProtocolSession>> Sessions(LabSite receiver, CancellationToken cancellationToken)
    {
        // The protocol log is flushed within a second of a session's lines.
        await Task.Delay(TimeSpan.FromSeconds(1.2), cancellationToken);
        return ProtocolLogSessions.Read(ExchangeLogReader.Files(receiver.ReceiveLogs).SelectMany(new ExchangeLogReader().Read)).Where(s => s.Ehlo is not null).ToList();
    }

    private static string Reason(LogRow row) =>
        row["custom-data"] is { Length: > 0 } custom ? custom : row["recipient-status"] ?? "(none)";

    private static Diagnosis Diagnose(LabWorld world, LabSite sender, IReadOnlyList<LabSite> receivers)
    {
        var dumps = System.IO.Directory.CreateDirectory(Path.Combine(world.Directory, "dumps")).FullName;
        // The on-premises servers' configuration: the side an admin can run Get-* on.
        var servers = world.OnPremises;
        using (var certificates = new StreamWriter(Path.Combine(dumps, "Get-ExchangeCertificate.txt")))
        using (var connectors = new StreamWriter(Path.Combine(dumps, "Get-ReceiveConnector.txt")))
        {
            foreach (var site in servers)
            {
                foreach (var certificate in new ExchangeCertificateCommands(site.Administration).Get(out _))
                {
                    FormatList.Write(certificates, ExchangeCertificateCommands.View(certificate));
                }

                var receive = new ReceiveConnectorCommands(site.Administration);
                foreach (var connector in receive.Get())
                {
                    FormatList.Write(connectors, receive.View(connector));
                }
            }
        }

        return Diagnoser.Run(new DiagnosisRequest
        {
            // The sender's own SmtpSend log too: where a device between the two shows.
            Logs = [sender.TrackingLogs, sender.SendLogs, .. receivers.Select(r => r.ReceiveLogs)],
            Certificates = Path.Combine(dumps, "Get-ExchangeCertificate.txt"),
            Connectors = Path.Combine(dumps, "Get-ReceiveConnector.txt"),
        });
    }

    private static IEnumerable<string> DiagnoseArguments(LabWorld world, LabSite sender, IReadOnlyList<LabSite> receivers) =>
        new[] { "--logs", sender.TrackingLogs, "--logs", sender.SendLogs }.Concat(receivers.SelectMany(r => new[] { "--logs", r.ReceiveLogs }))
            .Concat(["--certs", Path.Combine(world.Directory, "dumps", "Get-ExchangeCertificate.txt"), "--connectors", Path.Combine(world.Directory, "dumps", "Get-ReceiveConnector.txt")]);

    private static async Task<T> WaitAsync<T>(Func<T?> probe, Func<string> failure, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new LabCheckException(failure());
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
