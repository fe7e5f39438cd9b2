using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace MailFlow.Testing;

/// <summary>
/// A real Postfix (Debian's postfix package, installed unconfigured by test.sh) as a peer MTA on a
/// loopback port: its own configuration and queue directory under <see cref="Directory"/>, started with
/// <c>postfix -c DIR start</c> and stopped on dispose. Postfix's master runs as root and drops to the
/// postfix user, so the test process must be root (as on CI) or have password-less sudo.
/// </summary>
public sealed class PostfixSmtpd : IDisposable
{
    private readonly string configuration;

    private PostfixSmtpd(string directory, string configuration, int port)
    {
        Directory = directory;
        this.configuration = configuration;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>Postfix's own log (maillog_file), for assertions and for a failing test's message.</summary>
    public string LogFile => Path.Combine(Directory, "maillog");

    /// <summary>
    /// Starts smtpd on 127.0.0.1 with STARTTLS from <paramref name="certificateChainPem"/> (leaf first, then
    /// any intermediates) and <paramref name="keyPem"/>, or without TLS when they are null.
    /// </summary>
    public static PostfixSmtpd Start(string directory, string hostname, string? certificateChainPem, string? keyPem, IReadOnlyDictionary<string, string>? settings = null)
    {
        directory = System.IO.Directory.CreateDirectory(directory).FullName;
        var configuration = System.IO.Directory.CreateDirectory(Path.Combine(directory, "etc")).FullName;
        var port = Ports.Free();
        var main = new Dictionary<string, string>
        {
            ["compatibility_level"] = "3.6",
            ["queue_directory"] = System.IO.Directory.CreateDirectory(Path.Combine(directory, "spool")).FullName,
            ["data_directory"] = System.IO.Directory.CreateDirectory(Path.Combine(directory, "data")).FullName,
            ["mail_owner"] = "postfix",
            ["inet_interfaces"] = "127.0.0.1",
            ["inet_protocols"] = "ipv4",
            ["myhostname"] = hostname,
            ["mydestination"] = string.Empty,
            ["smtpd_banner"] = "$myhostname ESMTP",
            // Nothing may leave loopback: no reverse lookup of the client, no DNS for anything.
            ["smtpd_peername_lookup"] = "no",
            ["disable_dns_lookups"] = "yes",
            ["maillog_file_prefixes"] = directory,
            ["maillog_file"] = Path.Combine(directory, "maillog"),
            ["smtpd_tls_security_level"] = certificateChainPem is null ? "none" : "may",
        };
        if (certificateChainPem is not null)
        {
            var chain = Path.Combine(directory, "chain.pem");
            var key = Path.Combine(directory, "key.pem");
            File.WriteAllText(chain, certificateChainPem);
            File.WriteAllText(key, keyPem);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            main["smtpd_tls_chain_files"] = $"{key}, {chain}";
        }

        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            main[name] = value;
        }

        File.WriteAllLines(Path.Combine(configuration, "main.cf"), main.Select(p => $"{p.Key} = {p.Value}"));
        // The services smtpd talks to; chroot off so nothing needs copying into the queue directory.
        File.WriteAllText(Path.Combine(configuration, "master.cf"), string.Join('\n',
            $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} inet n - n - - smtpd",
            "postlog unix-dgram n - n - 1 postlogd",
            "tlsmgr unix - - n 1000? 1 tlsmgr",
            "anvil unix - - n - 1 anvil",
            "proxymap unix - - n - - proxymap",
            "rewrite unix - - n - - trivial-rewrite",
            "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr",
            "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce",
            "trace unix - - n - 0 bounce",
            "scache unix - - n - 1 scache",
            "error unix - - n - - error",
            "discard unix - - n - - discard",
            string.Empty));
        File.SetUnixFileMode(main["data_directory"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Run("chown", "postfix", main["data_directory"]);

        var postfix = new PostfixSmtpd(directory, configuration, port);
        postfix.Control("start");
        postfix.WaitForBanner();
        return postfix;
    }

    public void Dispose() => Control("stop");

    private void Control(string verb) => Run("postfix", "-c", configuration, verb);

    /// <summary>Runs a command as root: directly when the tests are root (as on CI), else through password-less sudo.</summary>
    private static void Run(string command, params string[] arguments)
    {
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? command : "sudo") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (asRoot ? arguments : ["-n", command, .. arguments]))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {command}");
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} exited {process.ExitCode}: {output}");
        }
    }

    /// <summary>master starts smtpd on the first connection; wait until a banner comes back.</summary>
    private void WaitForBanner()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient("127.0.0.1", Port) { ReceiveTimeout = 5000 };
                var buffer = new byte[512];
                if (client.GetStream().Read(buffer) > 0 && buffer[0] == (byte)'2')
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException && DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                var log = File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no maillog)";
                Dispose();
                throw new InvalidOperationException($"Postfix in {Directory} did not greet on port {Port} within 15 s; its log:\n{log}");
            }

            Thread.Sleep(100);
        }
    }
}
