namespace MailFlow.Configuration.Validation;

public enum IssueSeverity
{
    Error,
    Warning,
}

/// <summary>One problem with a configuration, located by a JSON path such as <c>$.ReceiveConnectors[0].AuthMechanism</c>.</summary>
public sealed record ConfigurationIssue(IssueSeverity Severity, string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
