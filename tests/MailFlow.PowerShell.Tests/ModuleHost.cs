using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// The MailFlow module imported from its manifest into an in-process runspace, as `Import-Module` in
/// pwsh would. The data directory is given through <c>$PSDefaultParameterValues</c>, so scripts run
/// exactly as an admin types them.
/// </summary>
public sealed class ModuleHost : IDisposable
{
    private readonly Runspace runspace;

    public ModuleHost(string dataDirectory)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(Path.Combine(AppContext.BaseDirectory, "MailFlow.psd1"));
        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        Run($"$PSDefaultParameterValues['*:DataDirectory'] = '{dataDirectory.Replace("'", "''", StringComparison.Ordinal)}'; $PSStyle.OutputRendering = 'PlainText'");
    }

    public sealed record Result(Collection<PSObject> Output, IReadOnlyList<ErrorRecord> Errors)
    {
        public string Text => string.Join(Environment.NewLine, Output.Select(o => o?.ToString()));
    }

    public Result Run(string script)
    {
        using var shell = System.Management.Automation.PowerShell.Create(runspace);
        shell.AddScript(script);
        var output = shell.Invoke();
        return new Result(output, shell.Streams.Error.ToList());
    }

    public void Dispose() => runspace.Dispose();
}
