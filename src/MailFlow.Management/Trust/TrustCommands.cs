using System.Text;
using MailFlow.Certificates.Trust;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;

namespace MailFlow.Management.Trust;

/// <summary>A trusted root as configured.</summary>
public sealed record TrustedRoot(string File, string Subject, string Thumbprint, DateTime NotAfter);

/// <summary>The extra roots outbound validation trusts besides (or instead of) the system's.</summary>
public sealed class TrustCommands
{
    private readonly ServerAdministration administration;

    public TrustCommands(ServerAdministration administration)
    {
        ArgumentNullException.ThrowIfNull(administration);
        this.administration = administration;
    }

    public bool UsesSystemRoots => administration.Configuration.Load().Tls.UseSystemRoots;

    public IReadOnlyList<TrustedRoot> List()
    {
        var configuration = administration.Configuration.Load();
        return configuration.Tls.AdditionalRootFiles
            .SelectMany(file => TrustAnchors.ReadRootFile(Resolve(file)).Select(c => new TrustedRoot(file, c.Subject, c.Thumbprint, c.NotAfter.ToUniversalTime())))
            .ToList();
    }

    /// <summary>Copies the root certificate(s) into <c>&lt;data&gt;/trust/</c> and adds them to the configuration.</summary>
    public IReadOnlyList<TrustedRoot> Add(string file)
    {
        var roots = TrustAnchors.ReadRootFile(file);
        var added = new List<TrustedRoot>();
        foreach (var root in roots)
        {
            var relative = $"trust/{root.Thumbprint}.pem";
            var path = Path.Combine(administration.Data.Root, relative);
            DurableFile.EnsurePrivateDirectory(administration.Data.Trust);
            DurableFile.WriteAllBytes(path, Encoding.ASCII.GetBytes(root.ExportCertificatePem() + "\n"), DurableFile.PrivateFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            administration.Configuration.Update(c =>
            {
                if (!c.Tls.AdditionalRootFiles.Contains(relative, StringComparer.Ordinal))
                {
                    c.Tls.AdditionalRootFiles.Add(relative);
                }
            });
            added.Add(new TrustedRoot(relative, root.Subject, root.Thumbprint, root.NotAfter.ToUniversalTime()));
        }

        return added;
    }

    /// <summary>Removes a root by thumbprint or by its configured file name.</summary>
    public void Remove(string thumbprintOrFile)
    {
        var match = List().FirstOrDefault(r =>
            string.Equals(r.Thumbprint, thumbprintOrFile, StringComparison.OrdinalIgnoreCase) || string.Equals(r.File, thumbprintOrFile, StringComparison.Ordinal))
            ?? throw new MailFlowException($"\"{thumbprintOrFile}\" is not a configured trusted root", MailFlowErrorKind.NotFound);
        administration.Configuration.Update(c => c.Tls.AdditionalRootFiles.Remove(match.File));
        var path = Resolve(match.File);
        if (path.StartsWith(administration.Data.Trust, StringComparison.Ordinal))
        {
            File.Delete(path);
        }
    }

    private string Resolve(string file) => Path.IsPathRooted(file) ? file : Path.Combine(administration.Data.Root, file);
}
