using System.Text.Json;
using MailFlow.Core.Errors;
using MailFlow.Core.Security;
using MailFlow.Core.Storage;

namespace MailFlow.Configuration.Users;

/// <summary>A mailbox user who may authenticate (AUTH PLAIN/LOGIN) to submit or relay mail.</summary>
public sealed record SmtpUser(string Name, string PasswordHash);

/// <summary>
/// <c>&lt;data&gt;/users.json</c> (0600): user names and salted PBKDF2 hashes, never a password. Written
/// atomically; read once when the service starts or restarts.
/// </summary>
public sealed class UserStore
{
    private readonly string path;

    public UserStore(DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        path = Path.Combine(data.Root, "users.json");
    }

    public IReadOnlyList<SmtpUser> List()
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), UserStoreJsonContext.Default.ListSmtpUser) ?? [];
        }
        catch (JsonException ex)
        {
            throw new MailFlowException($"user file '{path}' is invalid: {ex.Message}", ex, MailFlowErrorKind.InvalidData);
        }
    }

    public void Set(string name, string password, int iterations = PasswordHasher.DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (string.IsNullOrEmpty(password))
        {
            throw new MailFlowException("the password is empty", MailFlowErrorKind.InvalidArgument);
        }

        var users = List().Where(u => !string.Equals(u.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        users.Add(new SmtpUser(name, PasswordHasher.Hash(password, iterations)));
        Save(users);
    }

    public void Remove(string name)
    {
        var users = List().ToList();
        if (users.RemoveAll(u => string.Equals(u.Name, name, StringComparison.OrdinalIgnoreCase)) == 0)
        {
            throw new MailFlowException($"user \"{name}\" was not found", MailFlowErrorKind.NotFound);
        }

        Save(users);
    }

    private void Save(List<SmtpUser> users) =>
        DurableFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(users, UserStoreJsonContext.Default.ListSmtpUser));
}
