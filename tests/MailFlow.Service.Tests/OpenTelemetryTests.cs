using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using MailFlow.Core.Diagnostics;
using MailFlow.Management;
using MailFlow.Testing;
using MailKit.Net.Smtp;
using MimeKit;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace MailFlow.Service.Tests;

/// <summary>
/// The opt-in OpenTelemetry export (decision 0032): a message's receive and delivery spans in one
/// trace, in-process through the SDK's in-memory exporter, and over the wire from a real
/// `mailflow serve` to an OTLP/HTTP receiver played by the test.
/// </summary>
public sealed class OpenTelemetryTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Receive_and_each_delivery_attempt_of_one_message_are_one_trace_carrying_its_message_ids()
    {
        var (data, port) = ChildServer.Prepare(root);
        // A second recipient in an accepted InternalRelay domain with no send connector: accepted, then unroutable.
        ServerAdministration.Open(data).Configuration.Update(c => c.AcceptedDomains.Add(new Configuration.Model.AcceptedDomain { Name = "relay", DomainName = "relay.test", DomainType = Configuration.Model.AcceptedDomainType.InternalRelay }));
        var exported = new List<Activity>();
        // The source is process-wide and other tests' servers may run in this process: spans are picked by message id below.
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(TransportTracing.SourceName).AddInMemoryExporter(exported).Build();
        var service = TransportService.Start(ServerAdministration.Open(data), TimeSpan.FromSeconds(2), lowestBindablePort: 0);
        var messageId = $"{Guid.NewGuid():N}@trace.test";
        try
        {
            await SendAsync(port, messageId, moreRecipients: "nobody@relay.test");
            await Eventually.WaitUntilAsync(() => Snapshot(exported).Count(a => a.OperationName == TransportTracing.DeliverSpan && Tag(a, TransportTracing.MessageId) == $"<{messageId}>") == 2, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await service.DisposeAsync();
        }

        var spans = Snapshot(exported).Where(a => Tag(a, TransportTracing.MessageId) == $"<{messageId}>").ToList();
        var receive = Assert.Single(spans, a => a.OperationName == TransportTracing.ReceiveSpan);
        var deliver = Assert.Single(spans, a => a.OperationName == TransportTracing.DeliverSpan && Tag(a, TransportTracing.Route) == "maildir");
        var unroutable = Assert.Single(spans, a => a.OperationName == TransportTracing.DeliverSpan && Tag(a, TransportTracing.Route) == "none");
        output.WriteLine($"receive {receive.TraceId}/{receive.SpanId}, deliver {deliver.TraceId}/{deliver.SpanId} parent {deliver.ParentSpanId}");

        Assert.Equal(default, receive.ParentSpanId); // the root of the message's trace
        Assert.Equal(ActivityKind.Server, receive.Kind);
        Assert.Equal(@"SERVER1\Default Frontend SERVER1", Tag(receive, TransportTracing.Connector));
        Assert.Equal("127.0.0.1", Tag(receive, TransportTracing.ClientAddress));
        Assert.Equal("2", Tag(receive, TransportTracing.RecipientCount));
        Assert.True(long.Parse(Tag(receive, TransportTracing.Size)!, System.Globalization.CultureInfo.InvariantCulture) > 100);
        Assert.Equal("accepted", Tag(receive, TransportTracing.Outcome));
        Assert.StartsWith("250 2.6.0", Tag(receive, TransportTracing.Status), StringComparison.Ordinal);

        Assert.Equal(receive.TraceId, deliver.TraceId);
        Assert.Equal(receive.SpanId, deliver.ParentSpanId); // the attempt is the receive span's child, through the spool envelope's traceparent
        Assert.Equal(Tag(receive, TransportTracing.InternalMessageId), Tag(deliver, TransportTracing.InternalMessageId));
        Assert.Equal(Tag(receive, TransportTracing.NetworkMessageId), Tag(deliver, TransportTracing.NetworkMessageId));
        Assert.Equal("maildir", Tag(deliver, TransportTracing.Route));
        Assert.Equal("delivered", Tag(deliver, TransportTracing.Outcome));
        Assert.Equal("250 2.0.0 delivered to Maildir", Tag(deliver, TransportTracing.Status));
        Assert.True(deliver.StartTimeUtc >= receive.StartTimeUtc);

        Assert.Equal(receive.TraceId, unroutable.TraceId);
        Assert.Equal(receive.SpanId, unroutable.ParentSpanId);
        Assert.Equal("failed", Tag(unroutable, TransportTracing.Outcome));
        Assert.Equal("550 5.4.4 Unable to route", Tag(unroutable, TransportTracing.Status));
        Assert.Equal("5.4.4", Tag(unroutable, TransportTracing.ErrorType));
        Assert.Equal(ActivityStatusCode.Error, unroutable.Status);
    }

    [Fact]
    public async Task A_deferred_message_retried_by_the_next_process_stays_in_the_trace_it_was_received_in()
    {
        var (data, port) = ChildServer.Prepare(root);
        var closed = Ports.Free(); // nothing listens there: every attempt is a refused connection, a deferral
        ServerAdministration.Open(data).Configuration.Update(c =>
        {
            c.AcceptedDomains.Add(new Configuration.Model.AcceptedDomain { Name = "relay", DomainName = "relay.test", DomainType = Configuration.Model.AcceptedDomainType.InternalRelay });
            c.SendConnectors.Add(new Configuration.Model.SendConnector { Name = "To relay", AddressSpaces = ["SMTP:relay.test;1"], DNSRoutingEnabled = false, SmartHosts = ["127.0.0.1"], Port = closed });
        });
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(TransportTracing.SourceName).AddInMemoryExporter(exported).Build();
        var messageId = $"{Guid.NewGuid():N}@restart.test";
        bool Attempts(int count) => Snapshot(exported).Count(a => a.OperationName == TransportTracing.DeliverSpan && Tag(a, TransportTracing.MessageId) == $"<{messageId}>") >= count;

        var first = TransportService.Start(ServerAdministration.Open(data), TimeSpan.FromSeconds(2), lowestBindablePort: 0);
        try
        {
            await SendAsync(port, messageId, to: "someone@relay.test");
            await Eventually.WaitUntilAsync(() => Attempts(1), TimeSpan.FromSeconds(30));
        }
        finally
        {
            await first.DisposeAsync();
        }

        // Another process's lifetime, as after a restart: it knows the message only from the queue and its spool file.
        var second = TransportService.Start(ServerAdministration.Open(data), TimeSpan.FromSeconds(2), lowestBindablePort: 0);
        try
        {
            Assert.Equal(1, second.Queue(q => q.RetryQueue()));
            await Eventually.WaitUntilAsync(() => Attempts(2), TimeSpan.FromSeconds(30));
        }
        finally
        {
            await second.DisposeAsync();
        }

        var spans = Snapshot(exported).Where(a => Tag(a, TransportTracing.MessageId) == $"<{messageId}>").ToList();
        var receive = Assert.Single(spans, a => a.OperationName == TransportTracing.ReceiveSpan);
        var attempts = spans.Where(a => a.OperationName == TransportTracing.DeliverSpan).OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a =>
        {
            Assert.Equal(receive.TraceId, a.TraceId);
            Assert.Equal(receive.SpanId, a.ParentSpanId);
            Assert.Equal(ActivityKind.Client, a.Kind);
            Assert.Equal("smtp", Tag(a, TransportTracing.Route));
            Assert.Equal("To relay", Tag(a, TransportTracing.NextHop));
            Assert.Equal("deferred", Tag(a, TransportTracing.Outcome));
            Assert.StartsWith("4.", Tag(a, TransportTracing.ErrorType), StringComparison.Ordinal);
            Assert.Equal(ActivityStatusCode.Unset, a.Status);
        });
        Assert.Equal(["1", "2"], attempts.Select(a => Tag(a, TransportTracing.Attempt)));
        output.WriteLine($"attempt 2: {Tag(attempts[1], TransportTracing.Status)}");
    }

    [Fact]
    public async Task A_real_serve_pushes_traces_and_metrics_over_OTLP_HTTP_protobuf_to_the_configured_collector()
    {
        var (data, port) = ChildServer.Prepare(root);
        using var collector = new OtlpReceiver();
        ServerAdministration.Open(data).Configuration.Update(c =>
        {
            c.Metrics.OpenTelemetryEnabled = true;
            c.Metrics.OtlpEndpoint = collector.Url;
        });
        // The SDK's own variables: export often, so the test need not wait the 60 s / 5 s defaults; and a service name of the admin's.
        var environment = new Dictionary<string, string>
        {
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_SERVICE_NAME"] = "mailflow-relay1",
        };
        using var server = await ChildServer.StartAsync(data, environment: environment);
        var messageId = $"{Guid.NewGuid():N}@otlp.test";
        try
        {
            await SendAsync(port, messageId);
            await Eventually.WaitUntilAsync(
                () => collector.Contains("/v1/traces", "deliver") && collector.Contains("/v1/metrics", "messages.delivered"),
                TimeSpan.FromSeconds(60),
                () => $"received: {collector.Describe()}\n{ChildServer.OutputOf(server)}");
        }
        finally
        {
            await ChildServer.TerminateAsync(server);
        }

        Assert.Contains($"OpenTelemetry: metrics and traces to {collector.Url} over OTLP http/protobuf", ChildServer.OutputOf(server), StringComparison.Ordinal);
        Assert.All(collector.ContentTypes, t => Assert.Equal("application/x-protobuf", t));
        // OTLP/protobuf carries strings as length-delimited raw UTF-8 (protobuf encoding, "string" wire type 2),
        // so a byte search of a request body finds an attribute value as the collector will decode it.
        Assert.True(collector.Contains("/v1/traces", $"<{messageId}>"), "no trace export carries the message id");
        Assert.True(collector.Contains("/v1/traces", TransportTracing.ReceiveSpan), "no receive span");
        Assert.True(collector.Contains("/v1/traces", "mailflow.message.internal_id"));
        Assert.True(collector.Contains("/v1/traces", "mailflow-relay1"), "OTEL_SERVICE_NAME did not name the service");
        Assert.True(collector.Contains("/v1/traces", "SERVER1"), "the resource does not name the server (service.instance.id, host.name)");
        Assert.True(collector.Contains("/v1/metrics", "messages.received"));
        Assert.False(collector.Contains("/v1/metrics", "process.runtime"), "only MailFlow's meter is exported");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static async Task SendAsync(int port, string messageId, string to = "user@domain.com", params string[] moreRecipients)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        var message = new MimeMessage { MessageId = messageId, Subject = "traced" };
        message.From.Add(MailboxAddress.Parse("sender@contoso.test"));
        message.To.Add(MailboxAddress.Parse(to));
        foreach (var recipient in moreRecipients)
        {
            message.To.Add(MailboxAddress.Parse(recipient));
        }

        message.Body = new TextPart("plain") { Text = "one trace from MAIL FROM to the Maildir" };
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    private static List<Activity> Snapshot(List<Activity> exported)
    {
        lock (exported)
        {
            return [.. exported];
        }
    }

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name) is { } value ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>A collector's OTLP/HTTP receiver in miniature: keeps each POST's path, content type and body, answers 200 with an empty body.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> requests = new();
        private readonly Task serving;

        public OtlpReceiver()
        {
            var port = Ports.Free();
            Url = $"http://127.0.0.1:{port}";
            listener.Prefixes.Add(Url + "/");
            listener.Start();
            serving = ServeAsync();
        }

        public string Url { get; }

        public IEnumerable<string?> ContentTypes => requests.Select(r => r.ContentType);

        public bool Contains(string path, string text)
        {
            var needle = Encoding.UTF8.GetBytes(text);
            return requests.Any(r => r.Path == path && r.Body.AsSpan().IndexOf(needle) >= 0);
        }

        public string Describe() => string.Join(", ", requests.Select(r => $"{r.Path} {r.ContentType} {r.Body.Length} B"));

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (HttpListenerException)
                {
                    return; // stopped
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                requests.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            _ = serving.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
