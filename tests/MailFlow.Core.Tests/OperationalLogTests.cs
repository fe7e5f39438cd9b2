using MailFlow.Core.Diagnostics;

namespace MailFlow.Core.Tests;

/// <summary>The service's own messages: priorities for the journal (sd-daemon(3)), words elsewhere.</summary>
public sealed class OperationalLogTests
{
    [Fact]
    public void In_the_journal_every_line_carries_the_syslog_priority()
    {
        using var writer = new StringWriter();
        var log = new OperationalLog(writer, journal: true);

        log.Write(Severity.Error, "restart refused, still running configuration revision 4: cannot listen on 0.0.0.0:26\n  port 26 needs root");
        log.Write(Severity.Info, "started");

        Assert.Equal(["<3>restart refused, still running configuration revision 4: cannot listen on 0.0.0.0:26", "<3>  port 26 needs root", "<6>started", ""], writer.ToString().Split(Environment.NewLine));
    }

    [Fact]
    public void Elsewhere_a_warning_says_so_in_words()
    {
        using var writer = new StringWriter();
        var log = new OperationalLog(writer, journal: false);

        log.Write(Severity.Warning, "running as root after start-up");
        log.Write(Severity.Info, "started");

        Assert.Equal(["mailflow: warning: running as root after start-up", "mailflow: started", ""], writer.ToString().Split(Environment.NewLine));
    }

    [Theory]
    [InlineData("2049:12345", 2049UL, 12345UL, true)]
    [InlineData("2049:12345", 2049UL, 99UL, false)] // stderr redirected since systemd set the variable
    [InlineData("2049:12345", null, null, false)] // stderr closed
    [InlineData("", 2049UL, 12345UL, false)]
    [InlineData("2049", 2049UL, 12345UL, false)]
    [InlineData("x:y", 2049UL, 12345UL, false)]
    public void Stderr_is_the_journal_only_when_JOURNAL_STREAM_names_its_device_and_inode(string variable, ulong? device, ulong? inode, bool expected)
    {
        Assert.Equal(expected, OperationalLog.IsJournal(variable, device is null ? null : (device.Value, inode!.Value)));
    }
}
