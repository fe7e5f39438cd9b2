namespace MailFlow.Core.Errors;

/// <summary>
/// An error an administrator can act on: it names the input and what is wrong with it.
/// Front ends (CLI, cmdlets) print <see cref="Exception.Message"/> as one line, never a stack trace.
/// </summary>
public class MailFlowException : Exception
{
    public MailFlowException(string message, MailFlowErrorKind kind = MailFlowErrorKind.OperationFailed)
        : base(message) => Kind = kind;

    public MailFlowException(string message, Exception innerException, MailFlowErrorKind kind = MailFlowErrorKind.OperationFailed)
        : base(message, innerException) => Kind = kind;

    public MailFlowException()
    {
    }

    public MailFlowException(string message, Exception innerException)
        : this(message, innerException, MailFlowErrorKind.OperationFailed)
    {
    }

    public MailFlowErrorKind Kind { get; }
}

/// <summary>What kind of failure, so front ends can pick an exit code or PowerShell error category.</summary>
public enum MailFlowErrorKind
{
    /// <summary>The operation could not be carried out (bad file, refused by a rule, I/O failure).</summary>
    OperationFailed,

    /// <summary>The named object (connector, certificate, domain) does not exist.</summary>
    NotFound,

    /// <summary>An object with that identity already exists.</summary>
    AlreadyExists,

    /// <summary>Someone else changed the configuration between our read and our write.</summary>
    ConcurrencyConflict,

    /// <summary>A configuration document or an input file is malformed.</summary>
    InvalidData,

    /// <summary>An argument the user typed is malformed or unknown (a usage error: exit code 2).</summary>
    InvalidArgument,
}
