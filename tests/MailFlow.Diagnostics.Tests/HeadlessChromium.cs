using System.Diagnostics;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace MailFlow.Diagnostics.Tests;

/// <summary>
/// Debian's chromium, headless, driven over the DevTools protocol with nothing but a WebSocket: a page is
/// loaded from a file, every request it makes and every error it reports are collected, and a script
/// evaluated in the page measures the rendered layout. Playwright would add its Node driver and is built
/// against its own browser builds, which cannot be downloaded here; the protocol is all these tests need.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Every wait is bounded: a browser that hangs fails the test and is killed, never waited on forever.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly DirectoryInfo profile;
    private readonly StringBuilder stderr;
    private readonly ClientWebSocket socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> pending = new();
    private readonly Channel<JsonElement> events = Channel.CreateUnbounded<JsonElement>();
    private readonly CancellationTokenSource stop = new();
    private Task reader = Task.CompletedTask;
    private int nextId;
    private string? session;

    private HeadlessChromium(Process process, DirectoryInfo profile, StringBuilder stderr)
    {
        this.process = process;
        this.profile = profile;
        this.stderr = stderr;
    }

    /// <summary>MAILFLOW_CHROMIUM, else chromium on PATH (Debian's package, which ./test.sh installs).</summary>
    public static string? Find()
    {
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("MAILFLOW_CHROMIUM") };
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(d => Path.Combine(d, "chromium")));
        return candidates.FirstOrDefault(File.Exists);
    }

    public static async Task<HeadlessChromium> StartAsync(string executable)
    {
        var profile = Directory.CreateTempSubdirectory("mailflow-chromium-");
        var start = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "--headless", "--remote-debugging-port=0", $"--user-data-dir={profile.FullName}", "--window-size=1280,1600",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-gpu",
            // Should the page (or the browser) reach for the network anyway, it goes to a closed local port and fails;
            // the request is still seen by the protocol, which is what the tests check.
            "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        // Chromium's sandbox refuses to run as root, which tests on CI are.
        if (Environment.IsPrivilegedProcess)
        {
            start.ArgumentList.Insert(0, "--no-sandbox");
        }

        var stderr = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine(); // read and dropped, so chromium never blocks on a full pipe
        var browser = new HeadlessChromium(process, profile, stderr);
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Chromium writes the port it chose and the browser's WebSocket path to DevToolsActivePort in the profile.</summary>
    private async Task ConnectAsync()
    {
        var portFile = Path.Combine(profile.FullName, "DevToolsActivePort");
        var deadline = DateTime.UtcNow + Timeout;
        string[] lines = [];
        while (lines.Length < 2)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"chromium exited with {process.ExitCode} before it listened:\n{Stderr()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"chromium did not open its DevTools port within {Timeout.TotalSeconds} s:\n{Stderr()}");
            }

            await Task.Delay(100);
            lines = File.Exists(portFile) ? (await File.ReadAllTextAsync(portFile)).Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];
        }

        using (var connecting = new CancellationTokenSource(Timeout))
        {
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0].Trim()}{lines[1].Trim()}"), connecting.Token);
        }

        reader = Task.Run(ReadAsync);
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, toPage: false);
        var attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target.GetProperty("targetId").GetString(), ["flatten"] = true }, toPage: false);
        session = attached.GetProperty("sessionId").GetString();
        foreach (var domain in new[] { "Page", "Runtime", "Log", "Network" })
        {
            await SendAsync($"{domain}.enable");
        }
    }

    /// <summary>
    /// Loads the file, waits for its load event, then evaluates <paramref name="measure"/> (an expression
    /// giving a string) in the page. Requests and errors are those from navigation to the end of the evaluation.
    /// </summary>
    public async Task<PageVisit> VisitAsync(string file, string measure)
    {
        while (events.Reader.TryRead(out _))
        {
            // events of an earlier page are not this one's
        }

        var url = new Uri(file).AbsoluteUri;
        var navigated = await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        if (navigated.TryGetProperty("errorText", out var navigationError))
        {
            throw new InvalidOperationException($"chromium could not open {url}: {navigationError.GetString()}");
        }

        var seen = new List<JsonElement>();
        using (var loading = new CancellationTokenSource(Timeout))
        {
            try
            {
                while (true)
                {
                    var e = await events.Reader.ReadAsync(loading.Token);
                    seen.Add(e);
                    if (Method(e) == "Page.loadEventFired")
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{url} did not finish loading within {Timeout.TotalSeconds} s");
            }
        }

        var evaluated = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = measure, ["returnByValue"] = true });
        if (evaluated.TryGetProperty("exceptionDetails", out var thrown))
        {
            throw new InvalidOperationException($"the measuring script failed: {thrown}");
        }

        while (events.Reader.TryRead(out var late))
        {
            seen.Add(late);
        }

        var requests = seen.Where(e => Method(e) == "Network.requestWillBeSent").Select(e => e.GetProperty("params").GetProperty("request").GetProperty("url").GetString()!).ToList();
        var errors = seen.Select(ErrorIn).OfType<string>().ToList();
        return new PageVisit(url, requests, errors, evaluated.GetProperty("result").GetProperty("value").GetString()!);
    }

    private static string? Method(JsonElement message) => message.TryGetProperty("method", out var m) ? m.GetString() : null;

    private static string? ErrorIn(JsonElement e) => Method(e) switch
    {
        "Runtime.exceptionThrown" => $"exception: {e.GetProperty("params").GetProperty("exceptionDetails")}",
        "Runtime.consoleAPICalled" when e.GetProperty("params").GetProperty("type").GetString() is "error" or "assert" => $"console: {e.GetProperty("params").GetProperty("args")}",
        "Log.entryAdded" when e.GetProperty("params").GetProperty("entry") is var entry && entry.GetProperty("level").GetString() == "error" => $"log: {entry.GetProperty("text").GetString()}",
        "Network.loadingFailed" => $"load failed: {e.GetProperty("params").GetProperty("errorText").GetString()}",
        _ => null,
    };

    private async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null, bool toPage = true)
    {
        var id = Interlocked.Increment(ref nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        if (toPage)
        {
            message["sessionId"] = session;
        }

        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = answer;
        using (var sending = new CancellationTokenSource(Timeout))
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, sending.Token);
        }

        JsonElement reply;
        try
        {
            reply = await answer.Task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"chromium did not answer {method} within {Timeout.TotalSeconds} s:\n{Stderr()}");
        }

        return reply.TryGetProperty("error", out var error)
            ? throw new InvalidOperationException($"chromium refused {method}: {error}")
            : reply.GetProperty("result");
    }

    /// <summary>Answers go to their command; everything else, from the page's session, is an event.</summary>
    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult part;
                do
                {
                    part = await socket.ReceiveAsync(buffer, stop.Token);
                    if (part.MessageType == WebSocketMessageType.Close)
                    {
                        throw new WebSocketException("chromium closed the DevTools connection");
                    }

                    message.Write(buffer, 0, part.Count);
                }
                while (!part.EndOfMessage);

                var root = JsonDocument.Parse(message.ToArray()).RootElement;
                if (root.TryGetProperty("id", out var id))
                {
                    if (pending.TryRemove(id.GetInt32(), out var answer))
                    {
                        answer.TrySetResult(root);
                    }
                }
                else if (root.TryGetProperty("sessionId", out var from) && from.GetString() == session)
                {
                    events.Writer.TryWrite(root);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            foreach (var answer in pending.Values)
            {
                answer.TrySetException(new InvalidOperationException($"the DevTools connection ended: {e.Message}\n{Stderr()}", e));
            }
        }
    }

    private string Stderr()
    {
        lock (stderr)
        {
            return stderr.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        await reader;
        socket.Dispose();
        process.Dispose();
        stop.Dispose();
        profile.Delete(recursive: true);
    }
}

/// <summary>What one page load did: the requests it made, the errors it reported, what the measuring script returned.</summary>
internal sealed record PageVisit(string Url, IReadOnlyList<string> Requests, IReadOnlyList<string> Errors, string Measured);
