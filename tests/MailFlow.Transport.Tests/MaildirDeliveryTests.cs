using System.Text;
using MailFlow.Transport.Delivery;

namespace MailFlow.Transport.Tests;

public sealed class MaildirDeliveryTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_delivered_message_is_in_new_with_Return_Path_and_Delivered_To_and_nothing_in_tmp()
    {
        var delivery = new MaildirDelivery(root, "SERVER1.domain.com");

        var path = delivery.Deliver("user@domain.com", "User@Domain.com", "sender@contoso.test", "Subject: hi\r\n\r\nbody\r\n"u8);

        var maildir = Path.Combine(root, "domain.com", "user", "Maildir");
        Assert.Equal(Path.Combine(maildir, "new"), Path.GetDirectoryName(path));
        Assert.Equal("Return-Path: <sender@contoso.test>\r\nDelivered-To: User@Domain.com\r\nSubject: hi\r\n\r\nbody\r\n", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));
        Assert.True(Directory.Exists(Path.Combine(maildir, "cur")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Names_are_unique_for_many_deliveries_in_the_same_second()
    {
        var delivery = new MaildirDelivery(root, "SERVER1.domain.com");

        var paths = Enumerable.Range(0, 200).Select(i => delivery.Deliver("user@domain.com", "user@domain.com", "", Encoding.ASCII.GetBytes($"n{i}"))).ToList();

        Assert.Equal(200, paths.Distinct().Count());
    }

    [Theory]
    [InlineData("../../etc@domain.com")]
    [InlineData("a/b@domain.com")]
    [InlineData("\"..\"@domain.com")]
    [InlineData("user@../../x")]
    public void A_local_part_or_domain_can_never_leave_the_mailboxes_folder(string recipient)
    {
        var delivery = new MaildirDelivery(root, "h");

        var maildir = Path.GetFullPath(delivery.MaildirOf(recipient));

        Assert.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, maildir, StringComparison.Ordinal);
        Assert.Equal(3, Path.GetRelativePath(root, maildir).Split(Path.DirectorySeparatorChar).Length); // domain/local/Maildir
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
