using System.Management.Automation;
using System.Security.Cryptography;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;

namespace MailFlow.PowerShell.Tests;

/// <summary>New-/Get-/Remove-Mailbox and Set-AcceptedDomain -CatchAllMailbox, imported from the module manifest.</summary>
public sealed class MailboxCmdletTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private readonly DataDirectory data;
    private readonly ModuleHost shell;

    public MailboxCmdletTests()
    {
        data = new DataDirectory(Path.Combine(root, "data"));
        ServerAdministration.Open(data, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" })
            .Configuration.Update(c => c.AcceptedDomains.Add(new AcceptedDomain { Name = "relay.test", DomainName = "relay.test", DomainType = AcceptedDomainType.InternalRelay }));
        shell = new ModuleHost(data.Root);
    }

    [Fact]
    public void The_manifest_exports_the_mailbox_cmdlets()
    {
        var names = shell.Run("(Get-Command -Module MailFlow).Name").Output.Select(o => o.ToString()).ToList();

        Assert.Contains("New-Mailbox", names);
        Assert.Contains("Get-Mailbox", names);
        Assert.Contains("Remove-Mailbox", names);
        Assert.Contains("Set-AcceptedDomain", names);
    }

    [Fact]
    public void New_Mailbox_creates_the_Maildir_Get_Mailbox_finds_it_and_Remove_Mailbox_forgets_it()
    {
        var created = shell.Run("New-Mailbox -Name 'User One' -PrimarySmtpAddress user@domain.com | Out-Null; Get-Mailbox 'user@DOMAIN.com' | ft | Out-String");
        var identity = shell.Run("(Get-Mailbox 'User One').Identity");
        var removed = shell.Run("Get-Mailbox 'User One' | Remove-Mailbox -Confirm:$false; @(Get-Mailbox).Count");

        Assert.Empty(created.Errors);
        Assert.Matches(@"Name\s+Alias\s+ServerName\s+ProhibitSendQuota", created.Text);
        Assert.Matches(@"User One\s+user\s+SERVER1\s+Unlimited", created.Text);
        Assert.Equal("user@domain.com", Assert.Single(identity.Output).ToString());
        Assert.True(Directory.Exists(Path.Combine(data.Mailboxes, "domain.com", "user", "Maildir", "new")));
        Assert.Empty(removed.Errors);
        Assert.Equal("0", Assert.Single(removed.Output).ToString());
        Assert.True(Directory.Exists(Path.Combine(data.Mailboxes, "domain.com", "user", "Maildir")), "Remove-Mailbox keeps the mail");
    }

    public static TheoryData<string, ErrorCategory, string> Cases => new()
    {
        { "New-Mailbox -PrimarySmtpAddress 'victim%relay-victim.invalid@domain.com'", ErrorCategory.InvalidArgument, "\"victim%relay-victim.invalid@domain.com\" is not a mailbox address: the local part contains '%'" },
        { "New-Mailbox -PrimarySmtpAddress 'user@relay.test'", ErrorCategory.InvalidOperation, "accepted domain relay.test is InternalRelay; mailboxes exist only in Authoritative domains" },
        { "New-Mailbox -PrimarySmtpAddress 'user@unknown.test'", ErrorCategory.InvalidOperation, "unknown.test is not an accepted domain" },
        { "New-Mailbox -PrimarySmtpAddress 'alice@domain.com'", ErrorCategory.ResourceExists, "mailbox \"alice@domain.com\" already exists" },
        { "Get-Mailbox nobody@domain.com", ErrorCategory.ObjectNotFound, "mailbox \"nobody@domain.com\" was not found; known: alice@domain.com" },
        { "Remove-Mailbox nobody@domain.com -Confirm:$false", ErrorCategory.ObjectNotFound, "was not found" },
        { "Set-AcceptedDomain domain.com -CatchAllMailbox nobody@domain.com", ErrorCategory.InvalidOperation, "\"nobody@domain.com\" is not an existing mailbox" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_bad_input_is_a_categorised_error_and_changes_nothing(string script, ErrorCategory category, string mentions)
    {
        Assert.Empty(shell.Run("New-Mailbox -PrimarySmtpAddress alice@domain.com").Errors);
        var before = Snapshot();

        var result = shell.Run(script);

        var error = Assert.Single(result.Errors);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Contains(mentions, error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void A_catch_all_is_set_and_cleared_with_Set_AcceptedDomain()
    {
        var set = shell.Run("New-Mailbox -PrimarySmtpAddress catchall@domain.com | Out-Null; Set-AcceptedDomain domain.com -CatchAllMailbox catchall@domain.com; (Get-AcceptedDomain domain.com).CatchAllMailbox");
        var cleared = shell.Run("Set-AcceptedDomain domain.com -CatchAllMailbox $null; $null -eq (Get-AcceptedDomain domain.com).CatchAllMailbox");

        Assert.Empty(set.Errors);
        Assert.Equal("catchall@domain.com", Assert.Single(set.Output).ToString());
        Assert.Empty(cleared.Errors);
        Assert.Equal("True", Assert.Single(cleared.Output).ToString());
    }

    public void Dispose()
    {
        shell.Dispose();
        Directory.Delete(root, recursive: true);
    }

    private string Snapshot() => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(data.Root, "config.json"))));
}
