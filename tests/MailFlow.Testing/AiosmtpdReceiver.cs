using System.Diagnostics;
using System.Text.Json;

namespace MailFlow.Testing;

/// <summary>What the third-party receiver saw of one message.</summary>
/// <param name="PeerPort">The sender's source port: messages with the same port came over one connection.</param>
public sealed record ReceivedMessage(string MailFrom, IReadOnlyList<string> Recipients, IReadOnlyList<string> MailOptions, string Helo, bool Tls, string? ClientCertificateSubject, int PeerPort, byte[] Content);

/// <summary>
/// Debian's python3-aiosmtpd running <c>aiosmtpd_receiver.py</c> on a loopback port: a real SMTP server
/// from another implementation, with STARTTLS when given a certificate (test.sh installs it).
/// </summary>
public sealed class AiosmtpdReceiver : IDisposable
{
    private readonly Process process;

    private AiosmtpdReceiver(Process process, int port, string directory)
    {
        this.process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    public static AiosmtpdReceiver Start(string directory, string? certificatePem = null, string? keyPem = null, string? clientCa = null, bool hide8BitMime = false, bool smtpUtf8 = true, IReadOnlyList<string>? deferRecipients = null, IReadOnlyList<string>? rejectRecipients = null, TimeSpan? idleTimeout = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        var port = Ports.Free();
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "aiosmtpd_receiver.py"));
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(directory);
        if (certificatePem is not null)
        {
            start.ArgumentList.Add("--cert");
            start.ArgumentList.Add(certificatePem);
            start.ArgumentList.Add("--key");
            start.ArgumentList.Add(keyPem!);
        }

        if (clientCa is not null)
        {
            start.ArgumentList.Add("--client-ca");
            start.ArgumentList.Add(clientCa);
        }

        if (hide8BitMime)
        {
            start.ArgumentList.Add("--hide-8bitmime");
        }

        foreach (var address in deferRecipients ?? [])
        {
            start.ArgumentList.Add("--defer-rcpt");
            start.ArgumentList.Add(address);
        }

        foreach (var address in rejectRecipients ?? [])
        {
            start.ArgumentList.Add("--reject-rcpt");
            start.ArgumentList.Add(address);
        }

        if (!smtpUtf8)
        {
            start.ArgumentList.Add("--no-smtputf8");
        }

        if (idleTimeout is { } idle)
        {
            start.ArgumentList.Add("--idle-timeout");
            start.ArgumentList.Add(idle.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var process = Process.Start(start)!;
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(30)) || ready.Result != "ready")
        {
            process.Kill();
            throw new InvalidOperationException("aiosmtpd did not start: " + process.StandardError.ReadToEnd());
        }

        return new AiosmtpdReceiver(process, port, directory);
    }

    public IReadOnlyList<ReceivedMessage> Messages() =>
        System.IO.Directory.GetFiles(Directory, "*.json")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture))
            .Select(f =>
            {
                using var json = JsonDocument.Parse(File.ReadAllText(f));
                var root = json.RootElement;
                return new ReceivedMessage(
                    root.GetProperty("mail_from").GetString()!,
                    root.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()!).ToList(),
                    root.GetProperty("mail_options").EnumerateArray().Select(e => e.GetString()!).ToList(),
                    root.GetProperty("helo").GetString()!,
                    root.GetProperty("tls").GetBoolean(),
                    root.GetProperty("client_certificate_subject").GetString(),
                    root.GetProperty("peer_port").GetInt32(),
                    File.ReadAllBytes(Path.ChangeExtension(f, ".eml")));
            })
            .ToList();

    public void Dispose()
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.Dispose();
    }
}
