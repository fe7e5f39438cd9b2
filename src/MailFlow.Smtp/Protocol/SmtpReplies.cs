namespace MailFlow.Smtp.Protocol;

/// <summary>
/// Reply texts. Exchange's own wording where exchange-semantics.md §3.6 and security-and-reliability.md
/// §4 give it; RFC wording with enhanced status codes (RFC 3463) elsewhere.
/// </summary>
public static class SmtpReplies
{
    public const string StartTlsReady = "220 2.0.0 SMTP server ready";
    public const string SenderOk = "250 2.1.0 Sender OK";
    public const string RecipientOk = "250 2.1.5 Recipient OK";
    public const string StartMailInput = "354 Start mail input; end with <CRLF>.<CRLF>";
    public const string Closing = "221 2.0.0 Service closing transmission channel";
    public const string Resetting = "250 2.0.0 Resetting";
    public const string Ok = "250 2.0.0 OK";
    public const string CannotVerify = "252 2.1.5 Cannot VRFY user, but will accept message for delivery";
    public const string NotImplemented = "502 5.3.3 Command not implemented";
    public const string InvalidDomain = "501 5.5.4 Invalid domain name";
    public const string InvalidSender = "501 5.1.7 Invalid address";
    public const string InvalidRecipient = "501 5.1.3 Invalid address";
    public const string NonAsciiWithoutSmtpUtf8 = "553 5.6.7 Non-ASCII addresses require the SMTPUTF8 parameter";
    public const string NotAuthenticated = "530 5.7.1 Client was not authenticated";
    public const string MustStartTls = "451 5.7.3 Must issue a STARTTLS command first";
    public const string EncryptionRequiredForAuth = "538 5.7.11 Encryption required for requested authentication mechanism";
    public const string SendHelloFirst = "503 5.5.2 Send hello first";
    public const string NeedMail = "503 5.5.2 Need mail command";
    public const string NeedRcpt = "503 5.5.2 Need rcpt command";
    public const string SenderAlreadySpecified = "503 5.5.2 Sender already specified";
    public const string TlsAlreadyActive = "503 5.5.1 TLS is already active";
    public const string AlreadyAuthenticated = "503 5.5.1 Already authenticated";
    public const string AuthNotAdvertised = "504 5.7.4 Unrecognized authentication type";
    public const string AuthSucceeded = "235 2.7.0 Authentication successful";
    public const string AuthFailed = "535 5.7.3 Authentication unsuccessful";
    public const string AuthCancelled = "501 5.7.0 Authentication cancelled";
    public const string AuthBadEncoding = "501 5.5.2 Cannot decode response";
    public const string RelayDenied = "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain";
    public const string TooManyRecipients = "452 4.5.3 Too many recipients";

    /// <summary>Exchange's reply when recipient validation finds no such recipient.</summary>
    public const string RecipientNotFound = Configuration.Recipients.RecipientResolver.RecipientNotFound;

    /// <summary>
    /// A recipient in an accepted domain whose address routes through another host: <paramref name="what"/>
    /// names the syntax. 553 is RFC 5321's "mailbox name not allowed (e.g., mailbox syntax incorrect)",
    /// 5.1.3 RFC 3463's "bad destination mailbox address syntax" (docs/decisions/0021).
    /// </summary>
    public static string RoutedRecipient(string what) =>
        $"553 5.1.3 Recipient address rejected: {what} is not accepted in an address of this server; send to the final address";

    public const string MessageTooBig = "552 5.3.4 Message size exceeds fixed maximum message size";
    public const string LineTooLong = "500 5.5.2 Line too long";
    public const string BareLineEndingInCommand = "500 5.5.2 Bare CR or LF in command; only CRLF ends a line";
    public const string BareLineEndingInData = "521 5.5.2 Bare CR or LF (or NUL) in message content; closing connection";
    public const string NulInCommand = "501 5.5.2 Syntax error: NUL character in command";
    public const string SyntaxError = "501 5.5.4 Syntax error in parameters or arguments";
    public const string UnsupportedParameter = "555 5.5.4 Unsupported parameter";
    public const string NoParametersAllowed = "501 5.5.4 No parameters allowed";
    public const string SynchronizationError = "554 5.5.0 Synchronization error: message data sent before the 354 reply; closing connection";
    public const string BinaryMimeNeedsBdat = "503 5.5.1 BODY=BINARYMIME requires BDAT";
    public const string TooManyConnections = "421 4.3.2 The maximum number of concurrent connections has exceeded a limit, closing transmission channel";
    public const string TooManyErrors = "421 4.7.0 Too many errors on this connection, closing transmission channel";
    public const string InactivityTimeout = "451 4.7.0 Timeout waiting for client input";
    public const string ConnectionTimeout = "421 4.4.1 Connection timed out";
    public const string ShuttingDown = "421 4.3.2 Service not available, closing transmission channel";
    public const string InsufficientStorage = "452 4.3.1 Insufficient system storage";
    public const string QueueWriteFailed = "451 4.3.0 Message could not be written to the queue; try again later";
    public const string HopCountExceeded = "554 5.4.6 Hop count exceeded - possible mail loop";
    public const string TlsNotAvailable = "454 4.7.0 TLS not available due to temporary reason";

    public static string Unrecognized(string verb) => $"500 5.3.3 Unrecognized command '{verb}'";

    public static string Queued(string messageId, long internalId, string hostname) =>
        $"250 2.6.0 {messageId} [InternalId={internalId}, Hostname={hostname}] Queued mail for delivery";

    public static string ChunkReceived(long octets) => $"250 2.0.0 {octets} octets received";

    public static string Help => "214-This server supports the following commands:\r\n214 HELO EHLO STARTTLS RCPT DATA RSET MAIL QUIT HELP AUTH BDAT";
}
