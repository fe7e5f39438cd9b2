namespace MailFlow.Queue;

/// <summary>One RCPT TO with its DSN parameters (RFC 3461).</summary>
public sealed record SpooledRecipient(string Address, string? Notify = null, string? OriginalRecipient = null);

/// <summary>Everything the SMTP transaction said about a message, stored in front of its bytes.</summary>
public sealed record SpooledEnvelope
{
    public required string Id { get; init; }

    /// <summary>Exchange's InternalId: a number unique on this server.</summary>
    public required long InternalId { get; init; }

    public required DateTimeOffset ReceivedUtc { get; init; }

    public required string ConnectorId { get; init; }

    public required string SessionId { get; init; }

    public required string ClientAddress { get; init; }

    public required string ClientHelo { get; init; }

    /// <summary>The local address the client connected to (tracking server-ip); null in files written before it was recorded.</summary>
    public string? ServerAddress { get; init; }

    /// <summary>The receive connector's FQDN (tracking server-hostname); null in files written before it was recorded.</summary>
    public string? ServerHostname { get; init; }

    public string? AuthenticatedAs { get; init; }

    /// <summary>e.g. "Tls13 TLS_AES_256_GCM_SHA384", or null without TLS.</summary>
    public string? Tls { get; init; }

    /// <summary>Reverse path; empty for the null sender &lt;&gt;.</summary>
    public required string MailFrom { get; init; }

    public long? DeclaredSize { get; init; }

    /// <summary>7BIT, 8BITMIME or BINARYMIME.</summary>
    public string Body { get; init; } = "7BIT";

    public bool SmtpUtf8 { get; init; }

    /// <summary>DSN RET=FULL|HDRS.</summary>
    public string? Ret { get; init; }

    /// <summary>DSN ENVID.</summary>
    public string? EnvelopeId { get; init; }

    public required IReadOnlyList<SpooledRecipient> Recipients { get; init; }

    /// <summary>
    /// The W3C traceparent (https://www.w3.org/TR/trace-context/#traceparent-header) of the span that
    /// received the message, so each delivery attempt joins its trace (decision 0032); null when
    /// tracing was off at receipt (then not written, so such files are what they were), and in files
    /// written before it was recorded.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }
}
