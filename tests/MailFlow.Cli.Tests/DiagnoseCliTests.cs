using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MailFlow.Cli.Tests;

public sealed class DiagnoseCliTests : IDisposable
{
    private readonly Cli cli = new();

    /// <summary>
    /// Past 16 MB of logs diagnose shows progress on standard error (plain tenths when stderr is not a
    /// terminal), and standard output keeps nothing but the JSON.
    /// </summary>
    [Fact]
    public void Large_logs_show_progress_on_stderr_and_leave_the_json_clean()
    {
        var log = Path.Combine(cli.Root, "RECV2017041417-1.LOG");
        var sessions = WriteSmtpReceiveLog(log, megabytes: 20);

        var result = cli.RunProcess("diagnose", "--logs", log, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("reading 1 log file(s): 50% (", result.Error, StringComparison.Ordinal);
        Assert.Contains("reading 1 log file(s): 100% (20 of 20 MB)", result.Error, StringComparison.Ordinal);
        Assert.Equal(sessions, JsonDocument.Parse(result.Out).RootElement.GetProperty("SessionsRead").GetInt32());
    }

    [Fact]
    public void A_folder_of_non_log_files_reads_nothing_usable_names_each_file_and_exits_1()
    {
        var folder = Directory.CreateDirectory(Path.Combine(cli.Root, "collected")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "screenshot.png"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "Called the ISP on Tuesday, they said nothing changed.\nTicket 4711.\n");
        File.WriteAllText(Path.Combine(folder, "empty.log"), string.Empty);

        var result = cli.Run("diagnose", folder);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nothing usable was read", result.Out, StringComparison.Ordinal);
        foreach (var (file, why) in new[] { ("screenshot.png", "binary"), ("notes.txt", "no log rows"), ("empty.log", "empty") })
        {
            Assert.Contains($"UNUSED  {Path.Combine(folder, file)}: {why}", result.Out, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("evidence points nowhere", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reason_with_nothing_in_it_is_reported_and_exits_1()
    {
        var result = cli.Run("diagnose", "--reason", "see attached");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("UNUSED  reason: no status code, token or TLS error recognised", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pasted_transcript_among_other_files_is_read_as_the_senders_view()
    {
        var folder = Directory.CreateDirectory(Path.Combine(cli.Root, "ticket")).FullName;
        // KB 320027's banner as a PIX/ASA with mailguard shows it, pasted from a telnet session.
        File.WriteAllText(Path.Combine(folder, "telnet.txt"), "220*******************************************************0*2******0***********************\n");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "nothing to see here\n");

        var result = cli.Run("diagnose", folder, "--json");

        Assert.Equal(0, result.ExitCode);
        var json = JsonDocument.Parse(result.Out).RootElement;
        Assert.Equal("RC11", json.GetProperty("Findings")[0].GetProperty("RootCause").GetString());
        Assert.Contains(json.GetProperty("Inputs").EnumerateArray(), i => i.GetProperty("Kind").GetString() == "transcript" && i.GetProperty("Usable").GetBoolean());
        Assert.Contains(json.GetProperty("Inputs").EnumerateArray(), i => i.GetProperty("Source").GetString()!.EndsWith("notes.txt", StringComparison.Ordinal) && !i.GetProperty("Usable").GetBoolean());
    }

    public void Dispose() => cli.Dispose();

    /// <summary>Sessions of the seed's shape (EHLO, STARTTLS, CN=SERVER1 sent) until the file reaches the size; returns how many.</summary>
    private static int WriteSmtpReceiveLog(string path, int megabytes)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.Write("#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n#Date: 2017-04-14T17:00:00.000Z\r\n");
        writer.Write("#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n");
        var sessions = 0;
        while (writer.BaseStream.Length < megabytes * 1024L * 1024)
        {
            var id = sessions.ToString("X16", CultureInfo.InvariantCulture);
            writer.Write($"2017-04-14T17:07:17.000Z,SERVER1\\Default Frontend SERVER1,{id},0,10.0.0.5:25,40.107.0.1:51000,+,,\r\n");
            writer.Write($"2017-04-14T17:07:17.001Z,SERVER1\\Default Frontend SERVER1,{id},1,10.0.0.5:25,40.107.0.1:51000,<,EHLO mail.protection.outlook.com,\r\n");
            writer.Write($"2017-04-14T17:07:17.002Z,SERVER1\\Default Frontend SERVER1,{id},2,10.0.0.5:25,40.107.0.1:51000,>,250 STARTTLS,\r\n");
            writer.Write($"2017-04-14T17:07:17.003Z,SERVER1\\Default Frontend SERVER1,{id},3,10.0.0.5:25,40.107.0.1:51000,-,,Local\r\n");
            sessions++;
        }

        return sessions;
    }
}
