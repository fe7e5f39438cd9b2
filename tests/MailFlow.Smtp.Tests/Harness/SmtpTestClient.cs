using System.Security.Authentication;
using System.Net.Security;
using System.Text;

namespace MailFlow.Smtp.Tests.Harness;

/// <summary>How the client's bytes are cut into writes (MailKit's Blit/Line/Char replay modes).</summary>
public enum SplitMode
{
    AllAtOnce,
    LineByLine,
    ByteByByte,
}

/// <summary>A raw SMTP client for tests: writes exact bytes in the chosen split mode, reads reply lines, can start TLS.</summary>
public sealed class SmtpTestClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private readonly Stream transport;
    private Stream stream;

    public SmtpTestClient(Stream transport, SplitMode mode = SplitMode.AllAtOnce)
    {
        this.transport = transport;
        stream = transport;
        Mode = mode;
    }

    public SplitMode Mode { get; }

    public SslStream? Tls { get; private set; }

    public Task SendLineAsync(string line) => SendAsync(Encoding.UTF8.GetBytes(line + "\r\n"));

    public async Task SendAsync(byte[] bytes)
    {
        switch (Mode)
        {
            case SplitMode.AllAtOnce:
                await stream.WriteAsync(bytes);
                break;
            case SplitMode.LineByLine:
                var start = 0;
                for (var i = 0; i < bytes.Length; i++)
                {
                    if (bytes[i] == (byte)'\n')
                    {
                        await stream.WriteAsync(bytes.AsMemory(start, i + 1 - start));
                        await stream.FlushAsync();
                        start = i + 1;
                    }
                }

                if (start < bytes.Length)
                {
                    await stream.WriteAsync(bytes.AsMemory(start));
                }

                break;
            default:
                for (var i = 0; i < bytes.Length; i++)
                {
                    await stream.WriteAsync(bytes.AsMemory(i, 1));
                    await stream.FlushAsync();
                }

                break;
        }

        await stream.FlushAsync();
    }

    /// <summary>Reads one reply line without its CRLF; null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(one, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no reply line within {ReadTimeout.TotalSeconds} s (so far: \"{Encoding.UTF8.GetString(line.ToArray())}\")");
            }
            catch (IOException)
            {
                read = 0;
            }

            if (read == 0)
            {
                return line.Count == 0 ? null : Encoding.UTF8.GetString(line.ToArray());
            }

            if (one[0] == (byte)'\n' && line.Count > 0 && line[^1] == (byte)'\r')
            {
                line.RemoveAt(line.Count - 1);
                return Encoding.UTF8.GetString(line.ToArray());
            }

            line.Add(one[0]);
        }
    }

    /// <summary>Reads a whole (possibly multi-line) reply and returns its lines.</summary>
    public async Task<List<string>> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line is null)
            {
                return lines;
            }

            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return lines;
            }
        }
    }

    public async Task<string> CommandAsync(string line)
    {
        await SendLineAsync(line);
        return string.Join("\n", await ReadReplyAsync());
    }

    /// <summary>Client side of STARTTLS; accepts any certificate (tests inspect it themselves).</summary>
    /// <summary>The handshake after a 220 to STARTTLS; <paramref name="protocols"/> None leaves the choice to the system.</summary>
    public async Task StartTlsAsync(string targetHost = "SERVER1.domain.com", SslProtocols protocols = SslProtocols.None)
    {
        var ssl = new SslStream(transport, leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = targetHost, EnabledSslProtocols = protocols }).WaitAsync(ReadTimeout);
        Tls = ssl;
        stream = ssl;
    }

    public async ValueTask DisposeAsync()
    {
        if (Tls is not null)
        {
            await Tls.DisposeAsync();
        }

        await transport.DisposeAsync();
    }
}
