using System.Text;
using CsCheck;
using MailFlow.Smtp.Tests.Harness;
using Microsoft.Extensions.Time.Testing;

namespace MailFlow.Smtp.Tests;

/// <summary>
/// A staging file lives exactly as long as its transaction (issue 14, item 1): every way a BDAT
/// transaction ends — 552, RSET, EHLO, QUIT, hang-up, timeout, protocol error, server stop, a new MAIL
/// after a failure — leaves <c>queue/staging/</c> empty at once, and a failed BDAT resets the transaction
/// (RFC 3030 §2).
/// </summary>
public sealed class BdatStagingTests
{
    private const int Limit = 65_536; // the smallest MaxMessageSize Set-ReceiveConnector allows
    private const int ChunkSize = 20_000;

    public enum Ending
    {
        OverLimitThenQuit,
        OverLimitThenHangUp,
        OverLimitThenNewMail,
        OverLimitThenTimeout,
        AbandonedThenQuit,
        AbandonedThenHangUp,
        AbandonedThenRset,
        AbandonedThenEhlo,
        AbandonedThenBadBdat,
        AbandonedThenBareLf,
        AbandonedThenServerStop,
        AbandonedThenTimeout,
    }

    [Theory]
    [CombinatorialEndings]
    public async Task The_staging_file_is_gone_when_the_transaction_ends(Ending ending)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var timed = ending is Ending.OverLimitThenTimeout or Ending.AbandonedThenTimeout;
        await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[0].MaxMessageSize = Limit, timed ? clock : null);
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.test");
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@contoso.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<postmaster@domain.com>"));

        // The transfer really is on disk while it runs (so an empty staging/ later means it was released).
        Assert.Equal("250 2.0.0 20000 octets received", await SendChunkAsync(client));
        Assert.Equal(1, server.StagingFiles);

        if (ending.ToString().StartsWith("OverLimit", StringComparison.Ordinal))
        {
            var replies = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                replies.Add(await SendChunkAsync(client));
            }

            Assert.Equal(["250 2.0.0 40000 octets received", "250 2.0.0 60000 octets received"], replies[..2]);
            Assert.StartsWith("552 5.3.4", replies[2]);
            Assert.Equal(0, server.StagingFiles);
        }

        switch (ending)
        {
            case Ending.OverLimitThenQuit or Ending.AbandonedThenQuit:
                Assert.StartsWith("221", await client.CommandAsync("QUIT"));
                break;
            case Ending.OverLimitThenHangUp or Ending.AbandonedThenHangUp:
                await client.DisposeAsync();
                break;
            case Ending.OverLimitThenNewMail:
                // The failed BDAT reset the transaction: a new one starts and completes.
                Assert.Equal("250 2.1.0 Sender OK", await client.CommandAsync("MAIL FROM:<b@contoso.test>"));
                Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<postmaster@domain.com>"));
                await client.SendAsync("BDAT 10 LAST\r\nSubject:\r\n"u8.ToArray());
                Assert.StartsWith("250 2.6.0", await client.ReadLineAsync());
                Assert.Single(server.Spooled());
                break;
            case Ending.AbandonedThenRset:
                Assert.StartsWith("250", await client.CommandAsync("RSET"));
                Assert.Equal(0, server.StagingFiles);
                break;
            case Ending.AbandonedThenEhlo:
                Assert.StartsWith("250", (await client.CommandAsync("EHLO c.test")).Split('\n')[0]);
                Assert.Equal(0, server.StagingFiles);
                break;
            case Ending.AbandonedThenBadBdat:
                Assert.StartsWith("501", await client.CommandAsync("BDAT lots"));
                Assert.Null(await client.ReadLineAsync());
                break;
            case Ending.AbandonedThenBareLf:
                await client.SendAsync(Encoding.ASCII.GetBytes("BDAT 4\r\nab\nc"));
                Assert.StartsWith("521 5.5.2", await client.ReadLineAsync());
                Assert.Null(await client.ReadLineAsync());
                break;
            case Ending.AbandonedThenServerStop:
                var stop = server.StopAsync();
                Assert.StartsWith("421", await client.ReadLineAsync());
                await stop;
                break;
            case Ending.OverLimitThenTimeout or Ending.AbandonedThenTimeout:
                var (reply, _) = await FakeClock.AdvanceUntilAsync(clock, client.ReadLineAsync(), TimeSpan.FromMinutes(1), 20);
                Assert.StartsWith("451 4.7.0", reply);
                break;
        }

        if (ending is not (Ending.OverLimitThenNewMail or Ending.AbandonedThenRset or Ending.AbandonedThenEhlo))
        {
            await server.WaitForSessionsAsync();
        }

        Assert.Equal(0, server.StagingFiles);
    }

    /// <summary>
    /// A generated mix of sessions — chunks, oversize chunks, RSET, QUIT, hang-ups, new MAILs, bad syntax
    /// — run one after another and several at once; when they are over, staging/ is empty and every
    /// message that got 250 2.6.0 is in incoming/.
    /// </summary>
    [Fact]
    public async Task After_a_generated_mix_of_sessions_staging_is_empty_and_every_acknowledged_message_is_spooled()
    {
        var step = Gen.OneOf(
            Gen.Int[1, 30_000].Select(n => $"BDAT {n}\r\n" + new string('x', n)),
            Gen.Int[1, 30_000].Select(n => $"BDAT {n} LAST\r\n" + new string('y', n)),
            Gen.Const("RSET\r\n"),
            Gen.Const("MAIL FROM:<a@contoso.test>\r\n"),
            Gen.Const("RCPT TO:<postmaster@domain.com>\r\n"),
            Gen.Const("EHLO c.test\r\n"),
            Gen.Const("BDAT x\r\n"),
            Gen.Const("DATA\r\n"),
            Gen.Const("QUIT\r\n"));
        var session = Gen.Select(step.Array[1, 12], Gen.Bool);

        // Each sample is one server with a batch of sessions run at once; a failure shrinks to a small batch.
        await session.Array[1, 6].SampleAsync(async batch =>
        {
            await using var server = SmtpTestServer.Create(c => c.ReceiveConnectors[0].MaxMessageSize = Limit);
            var acknowledged = (await Task.WhenAll(batch.Select(s => RunAsync(server, s.Item1, s.Item2)))).Sum();
            await server.WaitForSessionsAsync();
            Assert.Equal(0, server.StagingFiles);
            Assert.Equal(acknowledged, server.Spooled().Count);
        }, iter: 12, threads: 1);
    }

    private static async Task<int> RunAsync(SmtpTestServer server, string[] steps, bool hangUp)
    {
        await using var client = new SmtpTestClient(server.Connect());
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.test");
        await client.CommandAsync("MAIL FROM:<a@contoso.test>");
        await client.CommandAsync("RCPT TO:<postmaster@domain.com>");
        var accepted = 0;
        foreach (var text in steps)
        {
            if (!await TrySendAsync(client, text))
            {
                return accepted;
            }

            var reply = await client.ReadReplyAsync();
            if (reply.Count == 0)
            {
                return accepted;
            }

            accepted += reply[^1].StartsWith("250 2.6.0", StringComparison.Ordinal) ? 1 : 0;
            if (text.StartsWith("DATA", StringComparison.Ordinal) && reply[^1].StartsWith("354", StringComparison.Ordinal))
            {
                await TrySendAsync(client, ".\r\n");
                accepted += (await client.ReadLineAsync())?.StartsWith("250 2.6.0", StringComparison.Ordinal) == true ? 1 : 0;
            }
        }

        if (!hangUp)
        {
            await TrySendAsync(client, "QUIT\r\n");
        }

        return accepted;
    }

    /// <summary>False when the server has already closed the connection (after 501 or a bare LF, say).</summary>
    private static async Task<bool> TrySendAsync(SmtpTestClient client, string text)
    {
        try
        {
            await client.SendAsync(Encoding.ASCII.GetBytes(text));
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static async Task<string> SendChunkAsync(SmtpTestClient client)
    {
        await client.SendAsync(Encoding.ASCII.GetBytes($"BDAT {ChunkSize}\r\n" + new string('x', ChunkSize - 2) + "\r\n"));
        return await client.ReadLineAsync() ?? "(closed)";
    }

    private sealed class CombinatorialEndingsAttribute : Xunit.Sdk.DataAttribute
    {
        public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) =>
            Enum.GetValues<Ending>().Select(e => new object[] { e });
    }
}
