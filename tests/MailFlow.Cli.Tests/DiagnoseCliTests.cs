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
