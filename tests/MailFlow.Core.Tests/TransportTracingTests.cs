using System.Diagnostics;
using MailFlow.Core.Diagnostics;

namespace MailFlow.Core.Tests;

/// <summary>
/// The spans' hot-path promise (decision 0032): with no listener, starting and ending them costs no
/// allocation; with one, a delivery attempt becomes the child of the traceparent its message carries.
/// One class, so its tests never run beside each other with a listener attached.
/// </summary>
public sealed class TransportTracingTests
{
    [Fact]
    public void Without_a_listener_receive_and_delivery_spans_allocate_nothing()
    {
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        Warm(traceParent);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            var receive = TransportTracing.StartReceive();
            var deliver = TransportTracing.StartDeliver(traceParent, ActivityKind.Internal);
            TransportTracing.EndDeliver(deliver, 1, 0, 0, "250 2.0.0 delivered to Maildir");
            receive?.Dispose();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_delivery_attempt_is_the_child_of_the_receive_span_its_traceparent_names()
    {
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TransportTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (stopped) { stopped.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);

        using var receive = TransportTracing.StartReceive();
        Assert.NotNull(receive);
        Assert.Null(Activity.Current); // a session's next transaction must not become its child
        var deliver = TransportTracing.StartDeliver(receive.Id, ActivityKind.Client);
        TransportTracing.EndDeliver(deliver, 0, 1, 0, "451 4.4.0 Primary target IP address responded with: \"421 4.4.2 Connection dropped\"");

        Assert.NotNull(deliver);
        Assert.Equal(receive.TraceId, deliver.TraceId);
        Assert.Equal(receive.SpanId, deliver.ParentSpanId);
        Assert.Equal("deferred", deliver.GetTagItem(TransportTracing.Outcome));
        Assert.Equal("4.4.0", deliver.GetTagItem(TransportTracing.ErrorType));
        Assert.Equal(ActivityStatusCode.Unset, deliver.Status); // a deferral is not an error; a failure is
        var orphan = TransportTracing.StartDeliver(null, ActivityKind.Internal);
        Assert.NotNull(orphan);
        Assert.NotEqual(receive.TraceId, orphan.TraceId); // a message queued before tracing was on: a trace of its own
        orphan.Dispose();
    }

    private static void Warm(string traceParent)
    {
        // JIT and the first use of each type allocate once; measured is the steady state.
        TransportTracing.StartReceive()?.Dispose();
        TransportTracing.EndDeliver(TransportTracing.StartDeliver(traceParent, ActivityKind.Internal), 1, 0, 0, "250");
    }
}
