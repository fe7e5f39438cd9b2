using MailFlow.Core.Storage;

namespace MailFlow.Configuration.Tests;

internal static class TestData
{
    public static DataDirectory NewDataDirectory() =>
        new(Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"), "data"));
}
