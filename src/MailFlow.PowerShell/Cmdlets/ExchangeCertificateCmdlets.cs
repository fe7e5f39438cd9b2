using System.Management.Automation;
using System.Net;
using System.Security;
using MailFlow.Certificates.Store;
using MailFlow.Management.Certificates;

namespace MailFlow.PowerShell.Cmdlets;

/// <summary>
/// Get-ExchangeCertificate [[-Thumbprint] X] [-Server SERVER]. Issuer and Subject are .NET's renderings, so
/// <c>"&lt;I&gt;$($c.Issuer)&lt;S&gt;$($c.Subject)"</c> is a valid TlsCertificateName, as on Exchange.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ExchangeCertificate")]
[OutputType(typeof(ExchangeCertificateProperties))]
public sealed class GetExchangeCertificateCommand : MailFlowCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Identity")]
    [ValidateNotNullOrEmpty]
    public string? Thumbprint { get; set; }

    /// <summary>The certificates of this server (its name or FQDN); another server is not found.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    protected override object? ErrorTarget => Thumbprint ?? Server;

    internal static PSObject Present(ExchangeCertificateProperties certificate) => Output(certificate, "MailFlow.ExchangeCertificate");

    protected override void Process()
    {
        EnsureLocalServer(Server);
        var commands = new ExchangeCertificateCommands(Administration);
        if (Thumbprint is not null)
        {
            WriteObject(Present(commands.Get(Thumbprint)));
            return;
        }

        var all = commands.Get(out var problems);
        foreach (var certificate in all)
        {
            WriteObject(Present(certificate));
        }

        foreach (var problem in problems)
        {
            WriteWarning(problem);
        }
    }
}

/// <summary>New-ExchangeCertificate: a self-signed certificate shaped like Exchange's.</summary>
[Cmdlet(VerbsCommon.New, "ExchangeCertificate", SupportsShouldProcess = true)]
public sealed class NewExchangeCertificateCommand : MailFlowCmdlet
{
    [Parameter]
    public string? SubjectName { get; set; }

    [Parameter]
    public string[] DomainName { get; set; } = [];

    [Parameter]
    public ExchangeServices Services { get; set; } = ExchangeServices.IMAP | ExchangeServices.POP | ExchangeServices.SMTP;

    [Parameter]
    public string? FriendlyName { get; set; }

    protected override void Process()
    {
        if (ShouldProcess(SubjectName ?? "CN=<server>", "New-ExchangeCertificate"))
        {
            var commands = new ExchangeCertificateCommands(Administration);
            var created = commands.New(new NewCertificateRequest { SubjectName = SubjectName, DomainNames = DomainName, Services = Services, FriendlyName = FriendlyName });
            WriteObject(GetExchangeCertificateCommand.Present(commands.Get(created.Thumbprint)));
        }
    }
}

/// <summary>Import-ExchangeCertificate -FileName (PFX, or PEM with -KeyFileName) [-Password].</summary>
[Cmdlet(VerbsData.Import, "ExchangeCertificate", SupportsShouldProcess = true)]
public sealed class ImportExchangeCertificateCommand : MailFlowCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string FileName { get; set; } = string.Empty;

    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary>MailFlow extension: the PEM private key when it is in its own file.</summary>
    [Parameter]
    public string? KeyFileName { get; set; }

    [Parameter]
    public ExchangeServices Services { get; set; } = ExchangeServices.None;

    [Parameter]
    public string? FriendlyName { get; set; }

    protected override object? ErrorTarget => FileName;

    protected override void Process()
    {
        if (ShouldProcess(FileName, "Import-ExchangeCertificate"))
        {
            var commands = new ExchangeCertificateCommands(Administration);
            var imported = commands.Import(new ImportCertificateRequest(GetUnresolvedProviderPathFromPSPath(FileName))
            {
                Password = Password is null ? null : new NetworkCredential(string.Empty, Password).Password,
                KeyFileName = KeyFileName is null ? null : GetUnresolvedProviderPathFromPSPath(KeyFileName),
                Services = Services,
                FriendlyName = FriendlyName,
            });
            WriteObject(GetExchangeCertificateCommand.Present(commands.Get(imported.Thumbprint)));
        }
    }
}

/// <summary>Enable-ExchangeCertificate [-Thumbprint] X -Services SMTP (additive).</summary>
[Cmdlet(VerbsLifecycle.Enable, "ExchangeCertificate", SupportsShouldProcess = true)]
public sealed class EnableExchangeCertificateCommand : MailFlowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Identity")]
    public string Thumbprint { get; set; } = string.Empty;

    [Parameter(Mandatory = true)]
    public ExchangeServices Services { get; set; }

    protected override object? ErrorTarget => Thumbprint;

    protected override void Process()
    {
        if (ShouldProcess(Thumbprint, $"Enable-ExchangeCertificate -Services {Services}"))
        {
            new ExchangeCertificateCommands(Administration).Enable(Thumbprint, Services);
        }
    }
}

[Cmdlet(VerbsCommon.Remove, "ExchangeCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveExchangeCertificateCommand : MailFlowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Identity")]
    public string Thumbprint { get; set; } = string.Empty;

    protected override object? ErrorTarget => Thumbprint;

    protected override void Process()
    {
        if (ShouldProcess(Thumbprint, "Remove-ExchangeCertificate"))
        {
            new ExchangeCertificateCommands(Administration).Remove(Thumbprint);
        }
    }
}
