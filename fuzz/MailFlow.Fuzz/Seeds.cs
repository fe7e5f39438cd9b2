using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using MailFlow.Configuration;
using MailFlow.Configuration.Serialization;
using MailFlow.Logs;

namespace MailFlow.Fuzz;

/// <summary>
/// Builds the seed corpora (one folder per target) from the repository's test data: the SMTP dialogue
/// scripts, the diagnostics fixtures and reason samples, logs and configuration written by MailFlow's
/// own writers, and certificate files made the way the certificate tests make theirs. The output is
/// committed under fuzz/corpus so a run starts from the same seeds; rerun after the test data grows.
/// </summary>
internal static partial class Seeds
{
    public static void Write(string repository, string output)
    {
        var corpus = new Corpus(output);
        Dialogues(Path.Combine(repository, "tests", "MailFlow.Smtp.Tests", "Dialogues"), corpus);
        var fixtures = Path.Combine(repository, "tests", "MailFlow.Diagnostics.Tests", "Fixtures", "seed");
        Reasons(repository, fixtures, corpus);
        Logs(fixtures, corpus);
        foreach (var dump in Directory.EnumerateFiles(fixtures, "Get-*.txt").Order(StringComparer.Ordinal))
        {
            corpus.Add("format-list", File.ReadAllBytes(dump));
        }

        Certificates(corpus);
        var configuration = ConfigurationJson.Serialize(ExchangeDefaults.Create("SERVER1", "server1.contoso.test"));
        corpus.Add("config", configuration);
        corpus.Add("config", configuration.AsSpan(0, configuration.Length / 2).ToArray()); // a truncated document
        corpus.Add("config", "{}"u8.ToArray());
        corpus.Report();
    }

    /// <summary>The client side of each dialogue script: "&gt; line" (CRLF added) and "&gt;&gt; raw" (escapes decoded).</summary>
    private static void Dialogues(string folder, Corpus corpus)
    {
        foreach (var script in Directory.EnumerateFiles(folder, "*.smtp").Order(StringComparer.Ordinal))
        {
            var client = new StringBuilder();
            foreach (var line in File.ReadLines(script))
            {
                if (line.StartsWith(">> ", StringComparison.Ordinal))
                {
                    client.Append(Regex.Unescape(line[3..]));
                }
                else if (line.StartsWith("> ", StringComparison.Ordinal))
                {
                    var command = line[2..];
                    client.Append(command).Append("\r\n");
                    if (command.StartsWith("MAIL ", StringComparison.OrdinalIgnoreCase) || command.StartsWith("RCPT ", StringComparison.OrdinalIgnoreCase))
                    {
                        var flags = (byte)(command.StartsWith('M') ? 0b110 : 0b001);
                        corpus.Add("path", [flags, .. Encoding.UTF8.GetBytes(command[5..])]);
                    }
                    else if (command.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase) && command.Split(' ') is [_, _, var initial])
                    {
                        corpus.Add("auth", Encoding.ASCII.GetBytes(initial));
                    }
                    else if (Base64Response().IsMatch(command))
                    {
                        corpus.Add("auth", Encoding.ASCII.GetBytes(command));
                    }
                }
            }

            var stream = Encoding.UTF8.GetBytes(client.ToString());
            corpus.Add("smtp-command", [0x3f, .. stream]); // 0x3f: the whole input in one segment of 64
            corpus.Add("smtp-command", [0x06, .. stream]); // 7-octet segments
            var text = client.ToString();
            var data = text.IndexOf("DATA\r\n", StringComparison.OrdinalIgnoreCase);
            if (data >= 0)
            {
                corpus.Add("dot-reader", [0x3f, .. Encoding.UTF8.GetBytes(text[(data + 6)..])]);
            }

            var bdat = text.IndexOf("BDAT ", StringComparison.OrdinalIgnoreCase);
            if (bdat >= 0)
            {
                corpus.Add("bdat", Encoding.UTF8.GetBytes(text[bdat..]));
            }
        }
    }

    private static void Reasons(string repository, string fixtures, Corpus corpus)
    {
        corpus.Add("reason", File.ReadAllBytes(Path.Combine(fixtures, "reason.txt")));
        var samples = File.ReadAllText(Path.Combine(repository, "tests", "MailFlow.Diagnostics.Tests", "PublicSamples.cs"));
        foreach (Match literal in StringConstant().Matches(samples))
        {
            corpus.Add("reason", Encoding.UTF8.GetBytes(Regex.Unescape(literal.Groups["text"].Value)));
        }
    }

    /// <summary>The fixture protocol log, and a protocol and a message-tracking log from MailFlow's writer.</summary>
    private static void Logs(string fixtures, Corpus corpus)
    {
        var fixture = File.ReadAllBytes(Path.Combine(fixtures, "RECV2017041417-1.LOG"));
        var written = Path.Combine(Scratch.Directory, "written");
        var at = new DateTimeOffset(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);
        var writers = new[] { ExchangeLogFormat.SmtpSend, ExchangeLogFormat.MessageTracking }.Select(f => (f, new ExchangeLogWriter(Path.Combine(written, f.FilePrefix), f, LogRotation.ExchangeProtocolDefaults))).ToList();
        foreach (var (format, writer) in writers)
        {
            var values = format == ExchangeLogFormat.MessageTracking
                ? new[] { "127.0.0.1", "client.test", "127.0.0.1", "SERVER1", "08D0", @"SERVER1\Default SERVER1", "SMTP", "RECEIVE", "42", "<m@x>", Guid.Empty.ToString(), "a@b.test;c@d.test", "250 2.1.5", "1234", "2", "", "", "Subject, \"quoted\"", "s@x.test", "s@x.test", "", "Incoming", "", "", "", "", "Email", "", "15.01.2375.007" }
                : new[] { @"SERVER1\Outbound", "08D01", "0", "127.0.0.1:1", "127.0.0.1:25", ">", "EHLO a,b \"quoted\"", "" };
            writer.Write(at, values);
            writer.Write(at, [.. values[..5], "*", "", "Sending certificate"]);
            writer.Write(at, [.. values[..5], "*", "CN=x", "Certificate subject"]);
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        foreach (var file in Directory.EnumerateFiles(written, "*.LOG", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).Prepend(fixture))
        {
            corpus.Add("exchange-log", file);
            corpus.Add("log-summary", file);
        }

        corpus.Add("log-summary", fixture.AsSpan(0, fixture.Length * 2 / 3).ToArray()); // cut inside a row
    }

    /// <summary>RSA and ECDSA leaves as PEM (plain and encrypted key) and PFX, as the certificate tests make them.</summary>
    private static void Certificates(Corpus corpus)
    {
        using var rsa = RSA.Create(2048);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rsaCertificate = new CertificateRequest("CN=mail.contoso.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        using var ecCertificate = new CertificateRequest("CN=smtp.contoso.test", ecdsa, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var encrypted = new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1);
        corpus.Add("certificate-pem", Encoding.ASCII.GetBytes(rsaCertificate.ExportCertificatePem() + "\n" + rsa.ExportPkcs8PrivateKeyPem()));
        corpus.Add("certificate-pem", Encoding.ASCII.GetBytes(ecCertificate.ExportCertificatePem() + "\n" + ecdsa.ExportEncryptedPkcs8PrivateKeyPem("fuzz", encrypted)));
        corpus.Add("certificate-pem", Encoding.ASCII.GetBytes(ecCertificate.ExportCertificatePem() + "\n" + rsaCertificate.ExportCertificatePem()));
        corpus.Add("certificate-pfx", rsaCertificate.Export(X509ContentType.Pkcs12, "fuzz"));
        corpus.Add("certificate-pfx", ecCertificate.Export(X509ContentType.Pkcs12, "fuzz"));
        rsaCertificate.Dispose();
    }

    [GeneratedRegex("^[A-Za-z0-9+/]{4,}={0,2}$")]
    private static partial Regex Base64Response();

    [GeneratedRegex("""const string \w+ = "(?<text>(?:[^"\\]|\\.)*)";""")]
    private static partial Regex StringConstant();

    /// <summary>Seed files named by content hash, so rerunning adds nothing twice.</summary>
    private sealed class Corpus(string root)
    {
        private readonly Dictionary<string, int> counts = new(StringComparer.Ordinal);

        public void Add(string target, byte[] content)
        {
            var folder = Path.Combine(root, target);
            Directory.CreateDirectory(folder);
            var name = Convert.ToHexStringLower(SHA256.HashData(content))[..16];
            File.WriteAllBytes(Path.Combine(folder, name), content);
            counts[target] = counts.GetValueOrDefault(target) + 1;
        }

        public void Report()
        {
            foreach (var (target, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"{target}: {count} seeds");
            }
        }
    }
}
