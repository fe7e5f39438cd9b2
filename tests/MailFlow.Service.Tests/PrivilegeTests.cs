using System.Diagnostics;
using MailFlow.Core.Security;
using MailFlow.Core.Storage;
using MailFlow.Management;
using MailFlow.Testing;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailFlow.Service.Tests;

/// <summary>A test that needs root: it starts serve as root, or hands it a capability as a service manager does.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!ProcessIdentity.IsRoot)
        {
            Skip = "needs root (./test.sh runs as root or through sudo)";
        }
    }
}

/// <summary>
/// No root after start-up (docs/decisions/0030), with the real executable: started as root it binds a
/// port below 1024 and then runs as the data directory's owner; started by a service manager as that
/// account with CAP_NET_BIND_SERVICE it never has root. The account is Debian's nobody, so the test
/// creates no account on the machine.
/// </summary>
public sealed class PrivilegeTests : IDisposable
{
    private const string Frontend = @"SERVER1\Default Frontend SERVER1";
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
    private readonly ServiceAccount nobody = ProcessIdentity.Find("nobody") ?? throw new InvalidOperationException("this machine has no account named nobody");

    [RootFact]
    public async Task Started_as_root_it_binds_port_below_1024_then_no_thread_is_root_and_a_restart_keeps_the_port()
    {
        var port = Ports.FreePrivileged();
        var data = PrepareOwnedByNobody(port);
        var application = ApplicationReadableBy();
        using var server = await ChildServer.StartAsync(data, application: application);

        AssertEveryThreadIs(server.Id, nobody, capabilities: 0);
        await Eventually.WaitUntilAsync(() => ChildServer.OutputOf(server).Contains($"gave root up after binding 127.0.0.1:{port}: running as {nobody.Name}", StringComparison.Ordinal), because: () => ChildServer.OutputOf(server));
        await SendAsync(port, "before-restart@privilege.test");

        // As root, the CLI becomes the data directory's owner before touching it, so what it writes stays the service's.
        var restart = CliProcess.Run(["service", "restart", "--data", data.Root], application: application);
        Assert.True(restart.Code == 0, restart.Output);
        AssertEveryThreadIs(server.Id, nobody, capabilities: 0);
        await SendAsync(port, "after-restart@privilege.test"); // the socket bound as root outlived the restart

        var maildir = Path.Combine(data.Mailboxes, "domain.com", "user", "Maildir", "new");
        await Eventually.WaitUntilAsync(() => Directory.Exists(maildir) && Directory.GetFiles(maildir).Length == 2, TimeSpan.FromSeconds(60), () => ChildServer.OutputOf(server));
        var notNobodys = Directory.EnumerateFileSystemEntries(data.Root, "*", SearchOption.AllDirectories)
            .Where(path => ProcessIdentity.OwnerOf(path) is { } owner && owner.UserId != nobody.UserId)
            .ToList();
        Assert.True(notNobodys.Count == 0, "written by someone other than the service account: " + string.Join(", ", notNobodys));

        // A new port below 1024 cannot be bound without root: the restart says so, and the old bindings keep serving.
        var second = Ports.FreePrivileged();
        var set = CliProcess.Run(["connector", "receive", "set", Frontend, "--Bindings", $"127.0.0.1:{port},127.0.0.1:{second}", "--data", data.Root], application: application);
        Assert.True(set.Code == 0, set.Output);
        var refused = CliProcess.Run(["service", "restart", "--data", data.Root], application: application);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains($"port {second} needs root or CAP_NET_BIND_SERVICE, and this process gave root up after start-up", refused.Output, StringComparison.Ordinal);
        Assert.Contains("systemctl restart mailflow", refused.Output, StringComparison.Ordinal);
        await SendAsync(port, "after-refusal@privilege.test");

        await ChildServer.TerminateAsync(server);
        Assert.Equal(0, server.ExitCode);
    }

    [RootFact]
    public async Task Started_by_a_service_manager_with_CAP_NET_BIND_SERVICE_it_never_has_root_and_binds_a_new_low_port_at_restart()
    {
        var port = Ports.FreePrivileged();
        var data = PrepareOwnedByNobody(port);
        var application = ApplicationReadableBy();
        // What systemd does for User=mailflow with AmbientCapabilities=CAP_NET_BIND_SERVICE.
        string[] serviceManager = ["setpriv", $"--reuid={nobody.UserId}", $"--regid={nobody.GroupId}", "--clear-groups", "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service"];
        using var server = await ChildServer.StartAsync(data, serviceManager, application);

        const ulong NetBindService = 1UL << 10;
        AssertEveryThreadIs(server.Id, nobody, capabilities: NetBindService);
        await SendAsync(port, "capability@privilege.test");

        var second = Ports.FreePrivileged();
        Assert.Equal(0, CliProcess.Run(["connector", "receive", "set", Frontend, "--Bindings", $"127.0.0.1:{port},127.0.0.1:{second}", "--data", data.Root], application: application).Code);
        var restart = CliProcess.Run(["service", "restart", "--data", data.Root], application: application);
        Assert.True(restart.Code == 0, restart.Output);
        await SendAsync(second, "new-port@privilege.test");
        await SendAsync(port, "old-port@privilege.test");

        await ChildServer.TerminateAsync(server);
        Assert.Equal(0, server.ExitCode);
    }

    [RootFact]
    public void Serve_refuses_an_account_that_does_not_own_the_data_directory_and_says_the_chown()
    {
        var data = new DataDirectory(Path.Combine(root, "data"));
        ServerAdministration.Open(data, identity: new Configuration.Model.ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });

        var result = CliProcess.Run(["serve", "--user", nobody.Name, "--data", data.Root]);

        Assert.Equal(1, result.Code);
        Assert.Contains($"data directory {data.Root} belongs to root, not {nobody.Name}", result.Output, StringComparison.Ordinal);
        Assert.Contains($"chown -R {nobody.Name}:{nobody.Name} {data.Root}", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    [RootFact]
    public void As_root_on_a_service_account_s_data_directory_a_command_reads_root_s_password_file_then_writes_as_the_account()
    {
        var data = PrepareOwnedByNobody(Ports.Free());
        var secrets = Path.Combine(root, "root-only");
        Directory.CreateDirectory(secrets);
        File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var passwordFile = Path.Combine(secrets, "pfx-password");
        File.WriteAllText(passwordFile, "pw\n");
        using var ca = Certificates.Issuance.CertificateAuthority.CreateRoot("CN=Privilege Test CA");
        using var issued = ca.IssueServerCertificate(new Certificates.Issuance.ServerCertificateSpec("CN=SERVER1.domain.com") { DnsNames = ["SERVER1.domain.com"] });
        var pfx = Path.Combine(root, "server.pfx"); // the file itself must be readable by the account (decision 0030)
        File.WriteAllBytes(pfx, issued.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "pw"));
        File.SetUnixFileMode(pfx, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);

        var import = CliProcess.Run(["cert", "import", pfx, "--password-file", passwordFile, "--services", "SMTP", "--data", data.Root]);

        Assert.True(import.Code == 0, import.Output);
        var notNobodys = Directory.EnumerateFileSystemEntries(data.Root, "*", SearchOption.AllDirectories)
            .Where(path => ProcessIdentity.OwnerOf(path) is { } owner && owner.UserId != nobody.UserId)
            .ToList();
        Assert.True(notNobodys.Count == 0, "written by someone other than the data directory's owner: " + string.Join(", ", notNobodys));

        var hidden = Path.Combine(secrets, "server.pfx");
        File.Copy(pfx, hidden);
        var refused = CliProcess.Run(["cert", "import", hidden, "--password-file", passwordFile, "--data", data.Root]);
        Assert.Equal(1, refused.Code);
        Assert.Contains($"started as root, this command runs as {nobody.Name}, the owner of the data directory", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private DataDirectory PrepareOwnedByNobody(int port)
    {
        var (data, _) = ChildServer.Prepare(root, connector => connector.Bindings = [$"127.0.0.1:{port}"]);
        using var chown = Process.Start("chown", ["-R", $"{nobody.UserId}:{nobody.GroupId}", data.Root])!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
        return data;
    }

    /// <summary>
    /// The folder with mailflow.dll, readable by nobody: the runtime loads assemblies after root is given up
    /// (MailKit at the first delivery), so a build under a private home directory is copied out first.
    /// </summary>
    private string ApplicationReadableBy()
    {
        var application = AppContext.BaseDirectory.TrimEnd('/');
        for (var folder = new DirectoryInfo(application); folder is not null; folder = folder.Parent)
        {
            if ((folder.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                var copy = Path.Combine(root, "application");
                foreach (var file in Directory.EnumerateFiles(application, "*", SearchOption.AllDirectories))
                {
                    var target = Path.Combine(copy, Path.GetRelativePath(application, file));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(file, target);
                }

                File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
                return copy;
            }
        }

        return application;
    }

    private void AssertEveryThreadIs(int processId, ServiceAccount account, ulong capabilities)
    {
        var threads = ThreadIdentity.ReadAll($"/proc/{processId}/task");
        Assert.NotEmpty(threads);
        foreach (var thread in threads)
        {
            Assert.All(thread.UserIds, id => Assert.Equal(account.UserId, id));
            Assert.All(thread.GroupIds, id => Assert.Equal(account.GroupId, id));
            Assert.Empty(thread.SupplementaryGroups);
            Assert.Equal(capabilities, thread.EffectiveCapabilities);
        }
    }

    private static async Task SendAsync(int port, string messageId)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        var message = new MimeMessage { MessageId = messageId, Subject = "privileges" };
        message.From.Add(MailboxAddress.Parse("sender@contoso.test"));
        message.To.Add(MailboxAddress.Parse("user@domain.com"));
        message.Body = new TextPart("plain") { Text = "sent to a server that gave root up" };
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }
}
