using System.Buffers;
using System.IO.Pipelines;

namespace MailFlow.Smtp.Tests.Harness;

/// <summary>One end of an in-memory duplex connection (Kestrel's in-memory transport, in miniature).</summary>
public sealed class InMemoryStream : Stream
{
    private readonly PipeReader input;
    private readonly PipeWriter output;

    private InMemoryStream(PipeReader input, PipeWriter output)
    {
        this.input = input;
        this.output = output;
    }

    public static (InMemoryStream Client, InMemoryStream Server) CreatePair()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        return (new InMemoryStream(toClient.Reader, toServer.Writer), new InMemoryStream(toServer.Reader, toClient.Writer));
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ReadResult result;
        try
        {
            result = await input.ReadAsync(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return 0; // the reader was completed by Dispose
        }

        var available = result.Buffer;
        if (available.IsEmpty && result.IsCompleted)
        {
            input.AdvanceTo(available.End);
            return 0;
        }

        var count = (int)Math.Min(buffer.Length, available.Length);
        available.Slice(0, count).CopyTo(buffer.Span);
        input.AdvanceTo(available.GetPosition(count));
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var flush = await output.WriteAsync(buffer, cancellationToken);
        if (flush.IsCompleted)
        {
            throw new IOException("the other end closed the connection");
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            output.Complete();
            input.Complete();
        }

        base.Dispose(disposing);
    }
}
