using System.Text;
using MailFlow.Core.Errors;

namespace MailFlow.Queue.Tests;

public sealed class SpoolTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_committed_message_reads_back_whole_and_owner_only()
    {
        var spool = new Spool(directory);
        using var transaction = spool.Begin(Envelope("m1"));
        transaction.Write("Subject: a\r\n\r\n"u8);
        transaction.Write("body\r\n"u8);

        var path = transaction.Commit();
        var message = Spool.Read(path);

        Assert.Equal("Subject: a\r\n\r\nbody\r\n", Encoding.ASCII.GetString(message.Content.Span));
        Assert.Equal("user@domain.com", message.Envelope.Recipients.Single().Address);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Empty(Directory.GetFiles(spool.Staging));
    }

    [Fact]
    public void An_uncommitted_message_leaves_nothing_behind()
    {
        var spool = new Spool(directory);
        using (var transaction = spool.Begin(Envelope("m2")))
        {
            transaction.Write("partial"u8);
        }

        Assert.Empty(Directory.GetFiles(spool.Staging));
        Assert.Empty(Directory.GetFiles(spool.Incoming));
    }

    [Fact]
    public void Truncation_or_damage_anywhere_is_detected()
    {
        var spool = new Spool(directory);
        using var transaction = spool.Begin(Envelope("m3"));
        transaction.Write(Encoding.ASCII.GetBytes(new string('x', 500)));
        var path = transaction.Commit();
        var whole = File.ReadAllBytes(path);

        for (var cut = 0; cut < whole.Length; cut += 7)
        {
            File.WriteAllBytes(path, whole[..cut]);
            Assert.Throws<MailFlowException>(() => Spool.Read(path));
        }

        var flipped = (byte[])whole.Clone();
        flipped[whole.Length / 2] ^= 0x20;
        File.WriteAllBytes(path, flipped);
        Assert.Contains("checksum", Assert.Throws<MailFlowException>(() => Spool.Read(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_spool_file_written_before_source_generated_JSON_reads_and_the_same_envelope_is_written_byte_for_byte()
    {
        var spool = new Spool(directory);
        var old = Path.Combine(spool.Incoming, "old.msg");
        File.WriteAllBytes(old, OldFormat.SpoolFile());

        var message = Spool.Read(old);

        Assert.Equal(OldFormat.Content, Encoding.ASCII.GetString(message.Content.Span));
        var envelope = message.Envelope;
        Assert.Equal(("20260101T000000Z-0001", 7L, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)), (envelope.Id, envelope.InternalId, envelope.ReceivedUtc));
        Assert.Equal((@"VM\Default VM", "sender@example.com", 42L, true, "HDRS"), (envelope.ConnectorId, envelope.MailFrom, envelope.DeclaredSize, envelope.SmtpUtf8, envelope.Ret));
        Assert.Equal(new SpooledRecipient("user@contoso.com", "SUCCESS,FAILURE", "rfc822;user@contoso.com"), envelope.Recipients[0]);
        Assert.Equal(new SpooledRecipient("other@contoso.com"), envelope.Recipients[1]);

        using var transaction = new Spool(Path.Combine(directory, "again")).Begin(envelope);
        transaction.Write(message.Content.Span);
        Assert.Equal(OldFormat.SpoolFile(), File.ReadAllBytes(transaction.Commit()));
    }

    [Fact]
    public void Abandoned_staging_files_are_deleted_at_start()
    {
        var spool = new Spool(directory);
        File.WriteAllText(Path.Combine(spool.Staging, "crashed"), "half a message");

        Assert.Equal(1, new Spool(directory).DeleteAbandonedStaging());
        Assert.Empty(Directory.GetFiles(spool.Staging));
    }

    private static SpooledEnvelope Envelope(string id) => new()
    {
        Id = id,
        InternalId = 1,
        ReceivedUtc = DateTimeOffset.UtcNow,
        ConnectorId = @"SERVER1\Default Frontend SERVER1",
        SessionId = "08D479E14521204D",
        ClientAddress = "192.0.2.1",
        ClientHelo = "c.test",
        MailFrom = "a@contoso.test",
        Recipients = [new SpooledRecipient("user@domain.com")],
    };

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
