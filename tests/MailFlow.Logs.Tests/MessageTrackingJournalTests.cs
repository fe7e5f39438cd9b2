using Microsoft.Extensions.Time.Testing;

namespace MailFlow.Logs.Tests;

/// <summary>The journal behind tracking confirmation (docs/decisions/0020): what ConfirmAsync hands back is in the file.</summary>
public sealed class MessageTrackingJournalTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Confirmed_events_are_on_disk_while_the_writer_still_buffers_and_a_set_timestamp_is_kept()
    {
        var writer = new ExchangeLogWriter(directory, ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults, clock);
        var log = new MessageTrackingLog(writer, clock, journal: true);
        var earlier = clock.GetUtcNow().AddHours(-2);
        log.Write(new TrackingEvent { EventId = "RECEIVE", Source = "SMTP", MessageId = "<a@contoso.test>" });
        log.Write(new TrackingEvent { EventId = "DELIVER", Source = "STOREDRIVER", MessageId = "<b@contoso.test>", Timestamp = earlier });

        // The fake clock never ticks, so only the confirmation can have flushed the rows.
        var confirmed = await log.ConfirmAsync();

        Assert.Equal(["RECEIVE", "DELIVER"], confirmed.Select(e => e.EventId));
        using var stream = new FileStream(Assert.Single(Directory.GetFiles(directory)), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var lines = new StreamReader(stream).ReadToEnd().Split("\r\n");
        Assert.Single(lines, l => l.StartsWith("2026-03-01T12:00:00.000Z,", StringComparison.Ordinal) && l.Contains("<a@contoso.test>", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("2026-03-01T10:00:00.000Z,", StringComparison.Ordinal) && l.Contains("<b@contoso.test>", StringComparison.Ordinal));
        Assert.Empty(await log.ConfirmAsync()); // each event is handed back once
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task Without_the_journal_nothing_is_remembered()
    {
        var writer = new ExchangeLogWriter(directory, ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults, clock);
        var log = new MessageTrackingLog(writer, clock);
        log.Write(new TrackingEvent { EventId = "RECEIVE", Source = "SMTP" });
        Assert.Empty(await log.ConfirmAsync());
        await writer.DisposeAsync();
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
