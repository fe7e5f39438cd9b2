using MailFlow.Configuration.Model;
using MailFlow.Queue;
using MimeKit;

namespace MailFlow.Transport.Tests;

/// <summary>
/// Local delivery goes only to mailboxes that exist (issue 14): a recipient accepted at RCPT while
/// recipient validation is off, with no mailbox, is bounced with Exchange's RecipientNotFound and never
/// becomes a folder; postmaster and an explicit catch-all are the only mailboxes not listed one by one.
/// </summary>
public sealed class MailboxResolutionTests
{
    [Theory]
    [InlineData("victim%relay-victim.invalid@domain.com")]
    [InlineData("relay-victim.invalid!victim@domain.com")]
    [InlineData("\"victim@relay-victim.invalid\"@domain.com")]
    [InlineData("nobody@domain.com")]
    public async Task An_accepted_recipient_without_a_mailbox_gets_an_NDR_and_no_folder(string recipient)
    {
        await using var bed = new DeliveryTestBed(_ => { });
        bed.Enqueue("alice@domain.com", recipient, "Subject: to nobody\r\nMessage-ID: <nobody@domain.com>\r\n\r\nbody\r\n");

        await bed.Agent.RunOnceAsync(); // the recipient fails and the NDR is queued
        await bed.Agent.RunOnceAsync(); // the NDR is delivered to alice

        var original = bed.Queue.All().First(m => m.Recipients.Any(r => r.Address == recipient));
        Assert.Equal(MessageState.Failed, original.State);
        Assert.Equal("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", original.Recipients.Single().LastStatus);
        var ndr = bed.SingleReport("domain.com", "alice");
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(ndr.Body)[1]);
        Assert.Equal("5.1.10", status.StatusGroups[1]["Status"]);
        Assert.Equal("rfc822; " + recipient, status.StatusGroups[1]["Final-Recipient"]);
        var log = await bed.TrackingLogAsync();
        Assert.Contains(",FAIL,", log, StringComparison.Ordinal);
        Assert.Contains(",RESOLVER,", log, StringComparison.Ordinal);

        // Only the configured mailboxes' folders exist: nothing was named after the recipient.
        var folders = Directory.GetDirectories(Path.Combine(bed.Data.Mailboxes, "domain.com")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["alice"], folders);
    }

    [Fact]
    public async Task Postmaster_always_has_a_mailbox()
    {
        await using var bed = new DeliveryTestBed(_ => { });
        bed.Enqueue("someone@contoso.test", "PostMaster@domain.com", "Subject: hello postmaster\r\n\r\nbody\r\n");

        await bed.Agent.RunOnceAsync();

        Assert.Equal(MessageState.Delivered, bed.Queue.All().Single().State);
        Assert.Single(bed.MaildirFiles("domain.com", "postmaster"));
    }

    [Fact]
    public async Task A_catch_all_takes_unknown_local_parts_but_never_routing_syntax()
    {
        await using var bed = new DeliveryTestBed(c => c.AcceptedDomains.Single(d => d.DomainName == "domain.com").CatchAllMailbox = "carol@domain.com");
        bed.Enqueue("someone@contoso.test", "unknown@domain.com", "Subject: for anyone\r\n\r\nbody\r\n");
        bed.Enqueue("someone@contoso.test", "victim%relay-victim.invalid@domain.com", "Subject: percent hack\r\n\r\nbody\r\n");

        await bed.Agent.RunOnceAsync();

        var delivered = Assert.Single(bed.MaildirFiles("domain.com", "carol"));
        Assert.Contains("Delivered-To: unknown@domain.com\r\n", File.ReadAllText(delivered), StringComparison.Ordinal);
        Assert.Empty(bed.MaildirFiles("domain.com", "unknown"));
        Assert.Equal(MessageState.Failed, bed.Queue.All().Single(m => m.Recipients.Single().Address.Contains('%', StringComparison.Ordinal)).State);
    }
}
