namespace MailFlow.Transport.Delivery;

/// <summary>
/// Sits between MailKit and the socket. After the client sends STARTTLS, the server's answer must be
/// exactly one reply line; any byte after that line's CRLF in the plaintext stream is an injection
/// attempt (security-and-reliability.md §2.3, the client side of CVE-2011-0411). MailKit silently
/// discards such bytes and continues, so this guard fails the connection instead.
/// </summary>
internal sealed class StartTlsInjectionGuard(Stream inner) : Stream
{
    private bool awaitingStartTlsReply;
    private bool previousWasCr;

    public bool InjectionDetected { get; private set; }

    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Inspect(buffer.Span[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Inspect(buffer.AsSpan(offset, read));
        return read;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Observe(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Observe(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Observe(ReadOnlySpan<byte> written)
    {
        if (written.StartsWith("STARTTLS\r\n"u8) || written.StartsWith("starttls\r\n"u8))
        {
            awaitingStartTlsReply = true;
            previousWasCr = false;
        }
    }

    private void Inspect(ReadOnlySpan<byte> received)
    {
        if (!awaitingStartTlsReply)
        {
            return;
        }

        for (var i = 0; i < received.Length; i++)
        {
            if (previousWasCr && received[i] == (byte)'\n')
            {
                awaitingStartTlsReply = false;
                if (i + 1 < received.Length)
                {
                    InjectionDetected = true;
                    throw new IOException("the server sent data after its reply to STARTTLS (response injection)");
                }

                return;
            }

            previousWasCr = received[i] == (byte)'\r';
        }
    }
}
