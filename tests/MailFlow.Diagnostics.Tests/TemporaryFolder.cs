namespace MailFlow.Diagnostics.Tests;

/// <summary>A folder under the system temp directory, deleted with everything in it at the end of the test.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mailflow-diagnose-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
