using System.Collections;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;
using MailFlow.Management;

namespace MailFlow.PowerShell.Cmdlets;

/// <summary>
/// What every MailFlow cmdlet shares: the data directory (<c>-DataDirectory</c>, else <c>$env:MAILFLOW_DATA</c>,
/// else the CLI's default) and errors as PowerShell errors with Exchange-like ids and categories instead
/// of exceptions with stack traces.
/// </summary>
public abstract class MailFlowCmdlet : PSCmdlet
{
    private ServerAdministration? administration;

    /// <summary>The MailFlow data directory to manage (MailFlow's stand-in for Exchange's -Server).</summary>
    [Parameter]
    public string? DataDirectory { get; set; }

    protected ServerAdministration Administration =>
        administration ??= ServerAdministration.Open(Core.Storage.DataDirectory.Resolve(DataDirectory));

    protected sealed override void ProcessRecord()
    {
        try
        {
            Process();
        }
        catch (MailFlowException ex)
        {
            var (id, category) = ex.Kind switch
            {
                MailFlowErrorKind.NotFound => ("ManagementObjectNotFound", ErrorCategory.ObjectNotFound),
                MailFlowErrorKind.AlreadyExists => ("ManagementObjectAlreadyExists", ErrorCategory.ResourceExists),
                MailFlowErrorKind.InvalidArgument => ("InvalidArgument", ErrorCategory.InvalidArgument),
                MailFlowErrorKind.InvalidData => ("DataValidation", ErrorCategory.InvalidData),
                MailFlowErrorKind.ConcurrencyConflict => ("ConcurrentChange", ErrorCategory.WriteError),
                _ => ("OperationFailed", ErrorCategory.InvalidOperation),
            };
            WriteError(new ErrorRecord(ex, id, category, ErrorTarget));
        }
    }

    /// <summary>The cmdlet's work for one pipeline record.</summary>
    protected abstract void Process();

    /// <summary>
    /// Exchange's -Server on a single-server MailFlow: the managed server's name or FQDN selects it; any other
    /// name is refused as Exchange refuses a server it cannot find, so a script aimed at SERVER2 never reads SERVER1.
    /// </summary>
    protected void EnsureLocalServer(string? server)
    {
        if (server is null)
        {
            return;
        }

        var local = Administration.Configuration.Load().Server;
        if (!server.Equals(local.Name, StringComparison.OrdinalIgnoreCase) && !server.Equals(local.Fqdn, StringComparison.OrdinalIgnoreCase))
        {
            throw new MailFlowException(
                $"The operation couldn't be performed because object '{server}' couldn't be found: this MailFlow data directory is server {local.Name} ({local.Fqdn})",
                MailFlowErrorKind.NotFound);
        }
    }

    /// <summary>
    /// Exchange's -ResultSize (Unlimited&lt;int&gt;): a positive number, or Unlimited. Get-Queue, Get-Message and
    /// Get-MessageTrackingLog return at most 1000 results when it is not given.
    /// </summary>
    protected static int ResultLimit(string resultSize)
    {
        ArgumentNullException.ThrowIfNull(resultSize);
        return resultSize.Equals("Unlimited", StringComparison.OrdinalIgnoreCase) ? int.MaxValue
            : int.TryParse(resultSize, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0 ? size
            : throw new MailFlowException($"-ResultSize \"{resultSize}\" is not valid: expected a positive number or Unlimited", MailFlowErrorKind.InvalidArgument);
    }

    /// <summary>What the error is about (the identity, usually).</summary>
    protected virtual object? ErrorTarget => null;

    /// <summary>Wraps a configuration object for output with Exchange's Identity and a MailFlow type name for formatting.</summary>
    protected static PSObject Output(object value, string typeName, string? identity = null)
    {
        var wrapped = PSObject.AsPSObject(value);
        wrapped.TypeNames.Insert(0, typeName);
        if (identity is not null)
        {
            wrapped.Properties.Add(new PSNoteProperty("Identity", identity));
        }

        return wrapped;
    }

    /// <summary>
    /// A PowerShell value in the shell syntax the management layer parses (the same text the CLI takes):
    /// <c>$true</c>/<c>$false</c>, <c>$null</c>, arrays joined with commas.
    /// </summary>
    protected static string? ShellText(object? value) => value switch
    {
        null => null,
        PSObject wrapped => ShellText(wrapped.BaseObject),
        bool flag => flag ? "$true" : "$false",
        SwitchParameter flag => flag.IsPresent ? "$true" : "$false",
        string text => text,
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => string.Join(",", items.Cast<object?>().Select(ShellText)),
        _ => value.ToString(),
    };
}

/// <summary>
/// A cmdlet whose settable properties are those of a configuration object: every writable property
/// becomes a parameter of the same name (Exchange's), so new properties need no cmdlet code.
/// </summary>
public abstract class ObjectParametersCmdlet : MailFlowCmdlet, IDynamicParameters
{
    private RuntimeDefinedParameterDictionary? dynamicParameters;

    protected abstract IReadOnlyList<string> Settable { get; }

    public object GetDynamicParameters()
    {
        dynamicParameters = new RuntimeDefinedParameterDictionary();
        var own = GetType().GetProperties().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var name in Settable.Where(n => !own.Contains(n)))
        {
            dynamicParameters.Add(name, new RuntimeDefinedParameter(name, typeof(object), new Collection<Attribute> { new ParameterAttribute() }));
        }

        return dynamicParameters;
    }

    /// <summary>The object parameters the caller named, as shell text.</summary>
    protected IReadOnlyDictionary<string, string?> BoundObjectParameters() =>
        (dynamicParameters?.Values.AsEnumerable() ?? []).Where(p => p.IsSet).ToDictionary(p => p.Name, p => ShellText(p.Value), StringComparer.OrdinalIgnoreCase);
}
