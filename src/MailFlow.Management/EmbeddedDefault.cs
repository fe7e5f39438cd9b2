using System.Net;
using System.Net.NetworkInformation;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Configuration;
using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;

namespace MailFlow.Management;

/// <summary>What first use of a data directory created.</summary>
public sealed record InitializationReport(ServerIdentity Server, string ConfigurationFile, ExchangeCertificate? SelfSignedCertificate);

/// <summary>
/// The embedded default: what Exchange setup leaves on a new server. The server identity comes from
/// the host name unless given; the five default receive connectors; the "Microsoft Exchange"
/// self-signed certificate (CN=&lt;Name&gt;, SANs Name and Fqdn, IMAP/POP/IIS/SMTP).
/// </summary>
public static class EmbeddedDefault
{
    public const string DefaultCertificateFriendlyName = "Microsoft Exchange";

    public static InitializationReport? EnsureInitialized(ServerAdministration administration, ServerIdentity? identity = null)
    {
        ArgumentNullException.ThrowIfNull(administration);
        administration.Data.EnsureCreated();
        if (administration.Configuration.Exists)
        {
            return null;
        }

        var server = identity ?? FromHost();
        try
        {
            var configuration = ExchangeDefaults.Create(server.Name, server.Fqdn);
            configuration.Server.ExchangeVersion = server.ExchangeVersion;
            administration.Configuration.Create(configuration);
        }
        catch (MailFlowException ex) when (ex.Kind == MailFlowErrorKind.AlreadyExists)
        {
            return null; // another process initialized it first; its certificate is the default
        }

        var certificate = administration.CertificateStore.NewSelfSigned(
            new SelfSignedCertificateSpec("CN=" + server.Name) { DomainNames = [server.Name, server.Fqdn], NotBefore = administration.Now.AddMinutes(-5) },
            ExchangeServices.IMAP | ExchangeServices.POP | ExchangeServices.IIS | ExchangeServices.SMTP,
            DefaultCertificateFriendlyName);
        return new InitializationReport(server, administration.Configuration.FilePath, certificate);
    }

    /// <summary>Name = the host's short name in upper case (a NetBIOS-style Exchange server name); Fqdn = host name plus DNS domain.</summary>
    public static ServerIdentity FromHost()
    {
        var host = Dns.GetHostName();
        var shortName = new string(host.Split('.')[0].Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').ToArray());
        if (shortName.Length == 0)
        {
            shortName = "MAILFLOW";
        }

        var domain = IPGlobalProperties.GetIPGlobalProperties().DomainName;
        var fqdn = host.Contains('.', StringComparison.Ordinal) ? host
            : !string.IsNullOrWhiteSpace(domain) && domain != "(none)" ? $"{host}.{domain}"
            : host;
        return new ServerIdentity { Name = shortName.ToUpperInvariant(), Fqdn = fqdn.ToLowerInvariant() };
    }
}
