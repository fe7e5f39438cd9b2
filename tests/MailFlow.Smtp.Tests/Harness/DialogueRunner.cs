using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MailFlow.Configuration.Model;

namespace MailFlow.Smtp.Tests.Harness;

/// <summary>
/// Runs a scripted SMTP conversation (chasquid .cmy style) against the engine. Script lines:
/// <list type="bullet">
/// <item><c>&gt; text</c> the client sends text + CRLF; <c>&gt;&gt; text</c> sends raw bytes (escapes \r \n \0 \xHH \\), no CRLF</item>
/// <item><c>&lt; text</c> the next reply line is exactly text; a trailing <c>*</c> makes it a prefix</item>
/// <item><c>&lt;~ regex</c> the next reply line matches; <c>closed</c> the server closes the connection</item>
/// <item><c>tls</c> the client does the TLS handshake; <c>spooled N</c> N messages were accepted</item>
/// <item><c>spooled-contains text</c>, <c>log-contains text</c>, <c>log-lacks text</c> about the last message and the protocol log</item>
/// <item>directives: <c>@connector Name</c>, <c>@remote ip</c>, <c>@modes all,line,byte</c>; <c>#</c> comments</item>
/// <item>configuration directives: <c>@mailbox address</c>, <c>@recipient-validation</c>, <c>@catch-all domain mailbox</c></item>
/// </list>
/// Consecutive client lines are sent together, cut as the split mode says, before the next expectation.
/// </summary>
public static partial class DialogueRunner
{
    public static SplitMode[] ModesOf(string script)
    {
        var directive = script.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("@modes ", StringComparison.Ordinal));
        return directive is null
            ? [SplitMode.AllAtOnce, SplitMode.LineByLine, SplitMode.ByteByByte]
            : directive[7..].Split(',').Select(m => m.Trim() switch
            {
                "all" => SplitMode.AllAtOnce,
                "line" => SplitMode.LineByLine,
                "byte" => SplitMode.ByteByByte,
                _ => throw new FormatException($"unknown mode {m}"),
            }).ToArray();
    }

    /// <summary>The configuration the script's <c>@mailbox</c>, <c>@recipient-validation</c> and <c>@catch-all</c> lines ask for.</summary>
    public static Action<MailFlowConfiguration> ConfigurationOf(string script) => configuration =>
    {
        foreach (var line in script.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words.FirstOrDefault())
            {
                case "@mailbox":
                    configuration.Mailboxes.Add(new Mailbox { Name = words[1], PrimarySmtpAddress = words[1] });
                    break;
                case "@recipient-validation":
                    configuration.RecipientFilter.RecipientValidationEnabled = true;
                    break;
                case "@catch-all":
                    configuration.AcceptedDomains.Single(d => d.DomainName == words[1]).CatchAllMailbox = words[2];
                    break;
            }
        }
    };

    public static async Task RunAsync(SmtpTestServer server, string script, SplitMode mode)
    {
        var lines = script.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var connector = SmtpTestServer.Frontend;
        var remote = "192.0.2.10";
        foreach (var directive in lines.Where(l => l.StartsWith('@')))
        {
            if (directive.StartsWith("@connector ", StringComparison.Ordinal))
            {
                connector = @"SERVER1\" + directive[11..].Trim();
            }
            else if (directive.StartsWith("@remote ", StringComparison.Ordinal))
            {
                remote = directive[8..].Trim();
            }
        }

        await using var client = new SmtpTestClient(server.Connect(connector, remote), mode);
        var pending = new MemoryStream();
        for (var number = 1; number <= lines.Length; number++)
        {
            var line = lines[number - 1].TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith('@'))
            {
                continue;
            }

            try
            {
                if (line.StartsWith(">>", StringComparison.Ordinal))
                {
                    pending.Write(Unescape(line[2..].TrimStart(' ')));
                    continue;
                }

                if (line.StartsWith('>'))
                {
                    pending.Write(Encoding.UTF8.GetBytes(line[1..].TrimStart(' ') + "\r\n"));
                    continue;
                }

                if (pending.Length > 0)
                {
                    await client.SendAsync(pending.ToArray());
                    pending.SetLength(0);
                }

                await ExpectAsync(server, client, line);
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"line {number} \"{line}\" ({mode}): {ex.GetType().Name}: {ex.Message}");
            }
            catch (Xunit.Sdk.XunitException ex)
            {
                throw new Xunit.Sdk.XunitException($"line {number} \"{line}\" ({mode}): {ex.Message}");
            }
        }

        if (pending.Length > 0)
        {
            await client.SendAsync(pending.ToArray());
        }
    }

    private static async Task ExpectAsync(SmtpTestServer server, SmtpTestClient client, string line)
    {
        if (line.StartsWith("<~", StringComparison.Ordinal))
        {
            var reply = await client.ReadLineAsync();
            Assert.NotNull(reply);
            Assert.Matches(line[2..].Trim(), reply);
        }
        else if (line.StartsWith('<'))
        {
            var expected = line[1..].TrimStart(' ');
            var reply = await client.ReadLineAsync();
            Assert.NotNull(reply);
            if (expected.EndsWith('*'))
            {
                Assert.StartsWith(expected[..^1], reply, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(expected, reply);
            }
        }
        else if (line == "closed")
        {
            var reply = await client.ReadLineAsync();
            Assert.True(reply is null, $"expected the server to close the connection, got \"{reply}\"");
        }
        else if (line == "tls")
        {
            await client.StartTlsAsync();
        }
        else if (line.StartsWith("spooled-contains ", StringComparison.Ordinal))
        {
            var last = server.Spooled()[^1];
            Assert.Contains(Encoding.Latin1.GetString(Unescape(line[17..])), Encoding.Latin1.GetString(last.Content.Span), StringComparison.Ordinal);
        }
        else if (line.StartsWith("spooled ", StringComparison.Ordinal))
        {
            Assert.Equal(int.Parse(line[8..], CultureInfo.InvariantCulture), server.Spooled().Count);
        }
        else if (line.StartsWith("log-contains ", StringComparison.Ordinal))
        {
            Assert.Contains(line[13..], await server.ProtocolLogAsync(), StringComparison.Ordinal);
        }
        else if (line.StartsWith("log-lacks ", StringComparison.Ordinal))
        {
            Assert.DoesNotContain(line[10..], await server.ProtocolLogAsync(), StringComparison.Ordinal);
        }
        else
        {
            throw new FormatException("unknown script line");
        }
    }

    public static byte[] Unescape(string text) =>
        Encoding.Latin1.GetBytes(Escape().Replace(text, m => m.Value[1] switch
        {
            'r' => "\r",
            'n' => "\n",
            '0' => "\0",
            '\\' => "\\",
            'x' => ((char)int.Parse(m.Value[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString(),
            _ => m.Value,
        }));

    [GeneratedRegex(@"\\(x[0-9A-Fa-f]{2}|[rn0\\])")]
    private static partial Regex Escape();
}
