using System.Text;
using MailFlow.Smtp.Tests.Harness;

namespace MailFlow.Smtp.Tests;

/// <summary>
/// security-and-reliability.md §1.6, SM-01..SM-11: every non-standard end-of-data variant, followed by a
/// smuggled second transaction, in every split mode. Never two messages; nothing from evil@x.
/// </summary>
public sealed class SmugglingTests
{
    public static TheoryData<string, string, SplitMode> Variants()
    {
        var variants = new Dictionary<string, string>
        {
            ["SM-01"] = "\n.\n",
            ["SM-02"] = "\n.\r\n",
            ["SM-03"] = "\r.\r",
            ["SM-04"] = "\r.\n",
            ["SM-05"] = "\n.\r",
            ["SM-06"] = "\r\n.\n",
            ["SM-07"] = "\r.\r\n",
            ["SM-08"] = "\r\n.\r",
            ["SM-09"] = "\r\n\0.\r\n",
            ["SM-10"] = "\r\n.\r\r\n",
            ["SM-11"] = "\r\r\n.\r\r\n",
        };
        var data = new TheoryData<string, string, SplitMode>();
        foreach (var (id, ending) in variants)
        {
            foreach (var mode in Enum.GetValues<SplitMode>())
            {
                data.Add(id, ending, mode);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task A_smuggled_second_message_is_never_accepted(string id, string ending, SplitMode mode)
    {
        await using var server = SmtpTestServer.Create();
        await using var client = new SmtpTestClient(server.Connect(), mode);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO attacker.test");
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@contoso.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<user@domain.com>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);

        await client.SendAsync(Encoding.Latin1.GetBytes(
            "Subject: x\r\n\r\nbody" + ending + "MAIL FROM:<evil@x>\r\nRCPT TO:<v@domain.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nhi\r\n.\r\n"));
        var replies = new List<string>();
        while (await client.ReadLineAsync() is { } line)
        {
            replies.Add(line);
        }

        Assert.True(replies.Count >= 1, id);
        Assert.StartsWith("521 5.5.2", replies[0], StringComparison.Ordinal);
        Assert.Single(replies);
        Assert.Empty(server.Spooled());
        Assert.Equal(0, server.StagingFiles);
    }
}
