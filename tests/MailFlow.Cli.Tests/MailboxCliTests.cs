using System.Text.Json;

namespace MailFlow.Cli.Tests;

/// <summary><c>mailflow mailbox add/list/remove</c> and <c>mailflow domain set --CatchAllMailbox</c>, through the real executable where exit codes matter.</summary>
public sealed class MailboxCliTests : IDisposable
{
    private readonly Cli cli = new();

    [Fact]
    public void Init_says_that_only_postmaster_exists_and_how_to_add_a_mailbox()
    {
        var init = cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");

        Assert.Equal(0, init.ExitCode);
        Assert.Contains("no mailboxes exist yet: local mail is delivered only to postmaster@domain.com; add one with 'mailflow mailbox add user@domain.com'.", init.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_creates_the_Maildir_list_shows_it_and_remove_keeps_the_mail()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");

        var added = cli.RunProcess("mailbox", "add", "User@Domain.com", "--Name", "User One");
        var listed = JsonDocument.Parse(cli.RunProcess("mailbox", "list", "--json").Out).RootElement;
        var byAddress = cli.Run("mailbox", "list", "user@domain.com");
        var removed = cli.RunProcess("mailbox", "remove", "User One");
        var afterwards = cli.Run("mailbox", "list", "--json");

        var maildir = Path.Combine(cli.Data, "mailboxes", "domain.com", "user", "Maildir");
        Assert.Equal(0, added.ExitCode);
        Assert.Contains("Added mailbox User@Domain.com (User One)", added.Out, StringComparison.Ordinal);
        var only = Assert.Single(listed.EnumerateArray());
        Assert.Equal("User One", only.GetProperty("Name").GetString());
        Assert.Equal("User@Domain.com", only.GetProperty("PrimarySmtpAddress").GetString());
        Assert.Equal(maildir, only.GetProperty("Maildir").GetString());
        Assert.Contains("User One", byAddress.Out, StringComparison.Ordinal);
        Assert.Equal(0, removed.ExitCode);
        Assert.Contains($"Its Maildir {maildir} is kept", removed.Out, StringComparison.Ordinal);
        Assert.Equal("[]", afterwards.Out.Trim());
        Assert.True(Directory.Exists(Path.Combine(maildir, "new")));
    }

    [Theory]
    [InlineData("victim%relay-victim.invalid@domain.com", "\"victim%relay-victim.invalid@domain.com\" is not a mailbox address: the local part contains '%' (percent-hack routing), which MailFlow never accepts")]
    [InlineData("relay-victim.invalid!victim@domain.com", "\"relay-victim.invalid!victim@domain.com\" is not a mailbox address: the local part contains '!' (a UUCP bang path), which MailFlow never accepts")]
    [InlineData("no-domain", "\"no-domain\" is not a mailbox address: it is not local-part@domain")]
    [InlineData("user@elsewhere.test", "\"user@elsewhere.test\": elsewhere.test is not an accepted domain (accepted: domain.com)")]
    public void A_bad_address_is_refused_with_one_line_naming_it(string address, string message)
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");
        var before = cli.Snapshot();

        var result = cli.RunProcess("mailbox", "add", address);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, cli.Snapshot());
    }

    [Fact]
    public void A_duplicate_and_an_unknown_mailbox_are_refused()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");
        cli.Run("mailbox", "add", "user@domain.com");

        var duplicate = cli.RunProcess("mailbox", "add", "USER@domain.com");
        var missing = cli.RunProcess("mailbox", "remove", "nobody@domain.com");

        Assert.Equal(1, duplicate.ExitCode);
        Assert.Equal("mailflow: mailbox \"USER@domain.com\" already exists", duplicate.Error.Trim());
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("mailflow: mailbox \"nobody@domain.com\" was not found; known: user@domain.com", missing.Error.Trim());
    }

    [Fact]
    public void A_catch_all_must_be_an_existing_mailbox_and_blocks_its_removal()
    {
        cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com");

        var unknown = cli.Run("domain", "set", "domain.com", "--CatchAllMailbox", "catchall@domain.com");
        cli.Run("mailbox", "add", "catchall@domain.com");
        var set = cli.Run("domain", "set", "domain.com", "--CatchAllMailbox", "catchall@domain.com");
        var remove = cli.Run("mailbox", "remove", "catchall@domain.com");
        var cleared = cli.Run("domain", "set", "domain.com", "--CatchAllMailbox", "$null");

        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("\"catchall@domain.com\" is not an existing mailbox", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(0, set.ExitCode);
        Assert.Contains("now goes to catchall@domain.com", set.Out, StringComparison.Ordinal);
        Assert.NotEqual(0, remove.ExitCode);
        Assert.Contains("is the catch-all of domain.com", remove.Error, StringComparison.Ordinal);
        Assert.Equal(0, cleared.ExitCode);
        Assert.Equal(0, cli.Run("mailbox", "remove", "catchall@domain.com").ExitCode);
    }

    public void Dispose() => cli.Dispose();
}
