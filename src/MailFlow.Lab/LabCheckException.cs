namespace MailFlow.Lab;

/// <summary>A step of the story did not behave as the lab says it does: the run fails with this message.</summary>
public sealed class LabCheckException(string message) : Exception(message);
