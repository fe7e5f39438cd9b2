using MailFlow.Management.Connectors;

namespace MailFlow.Lab;

/// <summary>
/// One failure the lab replays: how it breaks the world, which root cause diagnose must name, and the
/// fix. The story around it (submit, defer, read the logs, diagnose, fix, restart, retry) is
/// <see cref="LabRun"/>'s and the same for every scenario.
/// </summary>
public abstract class LabScenario
{
    public abstract string Name { get; }

    public abstract string Title { get; }

    /// <summary>The root cause diagnose must rank first from the logs and dumps alone.</summary>
    public abstract string RootCause { get; }

    /// <summary>On-premises to the cloud (SERVER1 sends to the tenant) instead of the article's direction.</summary>
    public virtual bool CloudBound => false;

    /// <summary>Messages that get through before the one that is deferred (a failure that only some connections hit).</summary>
    public virtual int DeliveredBeforeFailure => 0;

    /// <summary>
    /// Whether the receiving server's own log shows the failure (no STARTTLS, or the wrong certificate). False
    /// when a device in the path causes it: then only the sender's SmtpSend log does.
    /// </summary>
    public virtual bool ReceiverSeesFailure => true;

    /// <summary>Puts the world into the misconfiguration; returns what is now true, for the first step's printout.</summary>
    public abstract IReadOnlyList<string> Break(LabWorld world);

    /// <summary>Applies the fix through the management layer (or the PowerShell module); returns the commands, as an admin would type them.</summary>
    public abstract Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken);

    /// <summary>The servers the fix changed: they are restarted before the retry.</summary>
    public virtual IReadOnlyList<LabSite> Fixed(LabWorld world) => CloudBound ? [world.Server1] : world.OnPremises;

    /// <summary>Sets the Default Frontend's TlsCertificateName through the management layer; returns the equivalent command.</summary>
    protected static string SetTlsCertificateName(LabSite site, string thumbprint)
    {
        var certificate = site.Administration.CertificateStore.Get(thumbprint).Certificate;
        var name = $"<I>{certificate.Issuer}<S>{certificate.Subject}";
        new ReceiveConnectorCommands(site.Administration).Set(site.FrontendIdentity, new Dictionary<string, string?> { ["TlsCertificateName"] = name });
        return $"mailflow connector receive set \"{site.FrontendIdentity}\" --TlsCertificateName \"{name}\" --data {site.Root}";
    }
}
