using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MailFlow.Cli.Tests;

/// <summary>
/// Issue 16, "Bad input": each case is one line naming the input, the exit code of the rule in
/// decision 0026 (2 the command line is wrong, 1 the operation failed), and nothing changed on disk.
/// </summary>
public sealed class BadInputCliTests : IDisposable
{
    private const string AbsentThumbprint = "0123456789ABCDEF0123456789ABCDEF01234567";

    private readonly Cli cli = new();

    /// <summary>Input → message fragment → exit code. "{root}" is the test's folder, "{data}" its data directory.</summary>
    public static TheoryData<string, string[], string, int> Cases() => new()
    {
        // cert import: files that are not what they should be.
        { "empty certificate file", ["cert", "import", "{root}/empty.pem"], "certificate file '{root}/empty.pem' is empty", 1 },
        { "empty PFX", ["cert", "import", "{root}/empty.pfx"], "certificate file '{root}/empty.pfx' is empty", 1 },
        { "directory as certificate", ["cert", "import", "{root}/folder"], "certificate file '{root}/folder' is a directory, not a file", 1 },
        { "UTF-16 PEM is PEM", ["cert", "import", "{root}/utf16.pem"], "certificate file '{root}/utf16.pem' holds no private key; pass the key file with --key", 1 },
        { "DER certificate", ["cert", "import", "{root}/cert.der"], "is a DER certificate, not PKCS#12 (PFX): import PEM as 'mailflow cert import CERT.pem --key KEY.pem'", 1 },
        { "text key file", ["cert", "import", "{root}/cert.pem", "--key", "{root}/text.txt"], "key file '{root}/text.txt' holds no \"PRIVATE KEY\" block", 1 },
        { "empty key file", ["cert", "import", "{root}/cert.pem", "--key", "{root}/empty.pem"], "key file '{root}/empty.pem' is empty", 1 },
        { "directory as key file", ["cert", "import", "{root}/cert.pem", "--key", "{root}/folder"], "key file '{root}/folder' is a directory, not a file", 1 },
        { "missing key file", ["cert", "import", "{root}/cert.pem", "--key", "{root}/nothing.pem"], "key file '{root}/nothing.pem' cannot be read", 1 },
        { "missing certificate file", ["trust", "add", "{root}/nothing.pem"], "'{root}/nothing.pem'", 1 },

        // Malformed values: usage errors.
        { "malformed thumbprint", ["cert", "show", "NOTATHUMBPRINT"], "\"NOTATHUMBPRINT\" is not a certificate thumbprint", 2 },
        { "malformed message id", ["queue", "suspend", "nope"], "\"nope\" is not a message identity", 2 },
        { "unknown service", ["cert", "enable", AbsentThumbprint, "--services", "Bogus"], "Bogus", 2 },
        { "date that is no date", ["track", "--start", "yesterday-ish"], "--start 'yesterday-ish' is not a date; use 2026-03-12, ", 2 },
        { "end date that is no date", ["track", "--end", "13/45/2026"], "--end '13/45/2026' is not a date; use ", 2 },
        { "unknown option", ["cert", "list", "--bogus"], "unknown command or argument '--bogus'", 2 },
        { "unknown command", ["certificates"], "unknown command or argument 'certificates'", 2 },
        { "unknown subcommand", ["cert", "frobnicate"], "unknown command or argument 'frobnicate'", 2 },
        { "empty message id", ["queue", "suspend", ""], "<message> is empty: give a value", 2 },
        { "empty key file name", ["cert", "import", "{root}/cert.pem", "--key", ""], "--key is empty: give a value", 2 },
        { "empty domain", ["domain", "add", " "], "<domain> is empty: give a value", 2 },
        { "subject that is no name", ["cert", "new", "--self-signed", "--subject", "{root}/folder"], "-SubjectName \"{root}/folder\" is not a distinguished name", 2 },
        { "missing argument", ["cert", "show"], "Required argument missing for command: 'show'", 2 },

        // Well-formed names of nothing: the operation failed.
        { "absent thumbprint", ["cert", "show", AbsentThumbprint], AbsentThumbprint, 1 },
        { "absent certificate removed", ["cert", "remove", AbsentThumbprint], AbsentThumbprint, 1 },
        { "absent message", ["queue", "suspend", "0123456789abcdef0123456789abcdef"], "0123456789abcdef0123456789abcdef", 1 },
        { "absent receive connector", ["connector", "receive", "show", "SERVER1\\Nope"], "Nope", 1 },
        { "absent domain", ["domain", "set", "nope.example", "--CatchAllMailbox", "$null"], "nope.example", 1 },
        { "absent mailbox", ["mailbox", "remove", "nobody@nope.example"], "nobody@nope.example", 1 },
        { "absent user", ["user", "remove", "nobody"], "nobody", 1 },
        { "second init", ["init"], "is already initialized", 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_is_one_line_naming_it_with_the_rule_s_exit_code_and_changes_nothing(string name, string[] args, string fragment, int exitCode)
    {
        _ = name;
        Init();
        WriteInputs();
        var before = cli.SnapshotAll();

        var result = cli.Run([.. args.Select(Expand)]);

        AssertFailure(result, exitCode, Expand(fragment));
        Assert.Equal(before, cli.SnapshotAll());
    }

    /// <summary>One line naming the input; a parse error adds the line pointing at --help.</summary>
    private static void AssertFailure(CliResult result, int exitCode, string expected)
    {
        Assert.Equal(exitCode, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.All(lines, l => Assert.StartsWith("mailflow: ", l, StringComparison.Ordinal));
        Assert.True(lines.Length == 1 || (lines.Length == 2 && lines[1].EndsWith("--help' for usage", StringComparison.Ordinal)), result.Error);
        Assert.DoesNotContain("   at ", result.Out + result.Error, StringComparison.Ordinal);
    }

    /// <summary>Only init and serve create a data directory; every other command says there is none.</summary>
    [Theory]
    [InlineData("cert", "list")]
    [InlineData("cert", "new", "--self-signed")]
    [InlineData("track")]
    [InlineData("queue", "list")]
    [InlineData("queue", "messages")]
    [InlineData("connector", "receive", "list")]
    [InlineData("connector", "send", "list")]
    [InlineData("domain", "list")]
    [InlineData("mailbox", "add", "someone@contoso.com")]
    [InlineData("trust", "list")]
    [InlineData("user", "list")]
    [InlineData("transport", "show")]
    [InlineData("service", "status")]
    public void A_command_on_a_data_directory_that_does_not_exist_says_so_and_creates_nothing(params string[] args)
    {
        var before = cli.SnapshotAll();

        var result = cli.Run(args);

        CertificateCliTests.AssertOneLineFailure(result, 1, $"no data directory at {cli.Data} (no config.json): create one with 'mailflow init'");
        Assert.Equal(before, cli.SnapshotAll());
    }

    /// <summary>
    /// Reading a data directory, or naming a message its empty queue cannot hold, writes no file in it:
    /// no queue.db on a first look at the queue. (Empty folders the queue and its log use may appear.)
    /// </summary>
    [Theory]
    [InlineData(0, "queue", "list")]
    [InlineData(0, "queue", "messages")]
    [InlineData(0, "queue", "retry")]
    [InlineData(1, "queue", "remove", "0123456789abcdef0123456789abcdef")]
    [InlineData(0, "track")]
    [InlineData(0, "cert", "list")]
    [InlineData(0, "connector", "receive", "list")]
    [InlineData(0, "connector", "send", "list")]
    [InlineData(0, "domain", "list")]
    [InlineData(0, "mailbox", "list")]
    [InlineData(0, "trust", "list")]
    [InlineData(0, "user", "list")]
    [InlineData(0, "transport", "show")]
    public void A_read_command_writes_no_file_in_the_data_directory(int exitCode, params string[] args)
    {
        Assert.Equal(0, cli.Run("init").ExitCode);
        var before = Files();

        var result = cli.Run(args);

        Assert.True(exitCode == result.ExitCode, result.Out + result.Error);
        Assert.Equal(before, Files());

        Dictionary<string, string> Files() => cli.SnapshotAll().Where(e => e.Value != "directory").ToDictionary();
    }

    [Theory]
    [InlineData("cert", "list")]
    [InlineData("init")]
    [InlineData("serve")]
    public void Data_pointing_at_a_file_is_named_as_a_file(params string[] args)
    {
        File.WriteAllText(cli.Data, "not a directory");
        var before = cli.SnapshotAll();

        var result = cli.Run(args);

        CertificateCliTests.AssertOneLineFailure(result, 2, $"--data {cli.Data} is a file, not a data directory");
        Assert.Equal(before, cli.SnapshotAll());
    }

    [Fact]
    public void An_empty_configuration_file_is_named_as_empty()
    {
        Init();
        File.WriteAllText(Path.Combine(cli.Data, "config.json"), string.Empty);
        var before = cli.SnapshotAll();

        var result = cli.Run("connector", "receive", "list");

        CertificateCliTests.AssertOneLineFailure(result, 1, $"configuration file '{cli.Data}/config.json' is empty: restore it from a backup, or move it away and run 'mailflow init'");
        Assert.Equal(before, cli.SnapshotAll());
    }

    [Fact]
    public void Every_problem_of_an_invalid_configuration_is_shown()
    {
        Init();
        File.WriteAllText(Path.Combine(cli.Data, "config.json"), "{}");
        var before = cli.SnapshotAll();

        var result = cli.Run("cert", "list");

        CertificateCliTests.AssertOneLineFailure(result, 1, "is invalid at 2 places: $.Server.Name: ");
        Assert.Contains("; $.Server.Fqdn: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("more problem", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, cli.SnapshotAll());
    }

    /// <summary>Get-MessageTrackingLog -Start's forms on an en-US server: ISO 8601 and month/day/year, with or without a time.</summary>
    [Theory]
    [InlineData("2026-03-12")]
    [InlineData("2026-03-12T14:30")]
    [InlineData("2026-03-12T14:30:00Z")]
    [InlineData("2026-03-12T14:30:00+01:00")]
    [InlineData("2026-03-12 14:30:00")]
    [InlineData("03/12/2026")]
    [InlineData("3/12/2026 14:30")]
    [InlineData("03/12/2026 14:30:00")]
    [InlineData("3/12/2026 2:30 PM")]
    public void Track_accepts_Exchange_s_date_forms(string date)
    {
        Init();

        var result = cli.Run("track", "--start", date, "--end", date);

        Assert.Equal(string.Empty, result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("no tracking events match", result.Out.Trim());
    }

    [Fact]
    public void An_empty_queue_says_so_and_tables_have_no_blank_or_padded_lines()
    {
        Init();

        var queues = cli.Run("queue", "list");
        var connectors = cli.Run("connector", "receive", "list");

        Assert.Equal(0, queues.ExitCode);
        Assert.Equal("the queue is empty", queues.Out.Trim());
        var lines = connectors.Out.Split('\n').SkipLast(1).ToList();
        Assert.Contains(lines, l => l.Contains("Default Frontend SERVER1", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.Trim().Length > 0 && l == l.TrimEnd(), $"blank or padded line: '{l}'"));
    }

    [Fact]
    public void Probe_of_a_closed_port_reports_no_connection_and_no_TLS_verdict()
    {
        var result = cli.Run("probe", "127.0.0.1:1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no SMTP session: ", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Out + result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => cli.Dispose();

    /// <summary>
    /// A data directory whose queue has been used once: the queue database is created at the first
    /// command that opens the queue (not by init), which the rows about messages would otherwise count.
    /// </summary>
    private void Init()
    {
        Assert.Equal(0, cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com").ExitCode);
        Assert.Equal(0, cli.Run("queue", "retry").ExitCode); // a queue that was used: queue.db exists
    }

    private string Expand(string text) => text.Replace("{root}", cli.Root, StringComparison.Ordinal).Replace("{data}", cli.Data, StringComparison.Ordinal);

    private void WriteInputs()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=bad-input.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(Path.Combine(cli.Root, "cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllBytes(Path.Combine(cli.Root, "cert.der"), certificate.Export(X509ContentType.Cert));
        // Windows PowerShell's Out-File writes UTF-16 with a byte-order mark.
        File.WriteAllText(Path.Combine(cli.Root, "utf16.pem"), certificate.ExportCertificatePem(), Encoding.Unicode);
        File.WriteAllText(Path.Combine(cli.Root, "text.txt"), "hello, not a key\n");
        File.WriteAllBytes(Path.Combine(cli.Root, "empty.pem"), []);
        File.WriteAllBytes(Path.Combine(cli.Root, "empty.pfx"), []);
        Directory.CreateDirectory(Path.Combine(cli.Root, "folder"));
    }
}
