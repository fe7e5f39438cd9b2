using MailFlow.Configuration.Users;
using MailFlow.Core.Errors;
using MailFlow.Core.Security;

namespace MailFlow.Configuration.Tests;

public sealed class UserStoreTests : IDisposable
{
    private readonly Core.Storage.DataDirectory data = TestData.NewDataDirectory();

    [Fact]
    public void Passwords_are_stored_as_salted_PBKDF2_hashes_in_an_owner_only_file()
    {
        data.EnsureCreated();
        var users = new UserStore(data);

        users.Set("alice", "correct horse", iterations: 1000);
        users.Set("bob", "correct horse", iterations: 1000);

        var file = Path.Combine(data.Root, "users.json");
        var text = File.ReadAllText(file);
        Assert.DoesNotContain("correct horse", text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var stored = users.List();
        Assert.NotEqual(stored[0].PasswordHash, stored[1].PasswordHash); // different salts
        Assert.True(PasswordHasher.Verify("correct horse", stored[0].PasswordHash));
        Assert.False(PasswordHasher.Verify("correct horsf", stored[0].PasswordHash));
        Assert.StartsWith("pbkdf2-sha256$1000$", stored[0].PasswordHash, StringComparison.Ordinal);
    }

    [Fact]
    public void A_users_json_written_before_source_generated_JSON_reads_and_is_rewritten_in_the_same_form()
    {
        data.EnsureCreated();
        var file = Path.Combine(data.Root, "users.json");
        File.WriteAllText(file, """
            [
              {
                "Name": "alice@vm",
                "PasswordHash": "pbkdf2-sha256$600000$x1UhSvscLaP7TZn09lNrog==$EPhcI7jYZv\u002BJjI/OBYb/jcGYMYojyDGG8H9rUsz1WJ4="
              },
              {
                "Name": "bob@vm",
                "PasswordHash": "pbkdf2-sha256$600000$Whho2fZAwPzrqrhIAvY3KA==$xjYVMsto4tLruFluihxfLlBBhfE0AOFJhukw98MI9Oc="
              }
            ]
            """);
        var users = new UserStore(data);

        Assert.Equal(["alice@vm", "bob@vm"], users.List().Select(u => u.Name));
        Assert.True(PasswordHasher.Verify("pw1", users.List()[0].PasswordHash));

        users.Remove("bob@vm");
        Assert.Equal("""
            [
              {
                "Name": "alice@vm",
                "PasswordHash": "pbkdf2-sha256$600000$x1UhSvscLaP7TZn09lNrog==$EPhcI7jYZv\u002BJjI/OBYb/jcGYMYojyDGG8H9rUsz1WJ4="
              }
            ]
            """, File.ReadAllText(file));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pbkdf2-sha256$10$AAAA$AAAA")]
    [InlineData("md5$1000$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$not base64$AAAA")]
    public void A_malformed_stored_hash_never_verifies(string stored) => Assert.False(PasswordHasher.Verify("anything", stored));

    [Fact]
    public void Removing_an_unknown_user_is_not_found()
    {
        data.EnsureCreated();
        Assert.Equal(MailFlowErrorKind.NotFound, Assert.Throws<MailFlowException>(() => new UserStore(data).Remove("nobody")).Kind);
    }

    public void Dispose()
    {
        var parent = Path.GetDirectoryName(data.Root)!;
        if (Directory.Exists(parent))
        {
            Directory.Delete(parent, recursive: true);
        }
    }
}
