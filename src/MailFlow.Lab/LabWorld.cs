using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Store;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;

namespace MailFlow.Lab;

/// <summary>
/// The machines of a lab run before any scenario breaks them: the tenant playing Exchange Online (an
/// outbound connector to hybrid.domain.com with DomainValidation and RequireTLS, trusting the lab's
/// public CA) and SERVER1 playing on-premises Exchange 2013 (Default Frontend with TlsCertificateName
/// empty, the self-signed CN=SERVER1 and a CA-issued hybrid.domain.com certificate, both SMTP-enabled).
/// </summary>
public sealed class LabWorld : IAsyncDisposable
{
    public const string HybridName = "hybrid.domain.com";
    public const string OnPremisesDomain = "domain.com";
    public const string CloudName = "mail.protection.outlook.test";
    public const string CloudRoutingDomain = "tenant.mail.onmicrosoft.test";

    private readonly List<IAsyncDisposable> owned = [];

    public LabWorld(string directory)
    {
        Directory = directory;
        PublicCa = CertificateAuthority.CreateRoot("CN=Lab Public CA, O=MailFlow Lab");
        PublicCaFile = Path.Combine(directory, "lab-public-ca.pem");
        File.WriteAllText(PublicCaFile, PublicCa.ExportCertificatePem() + "\n");

        Tenant = Add(LabSite.Create(Path.Combine(directory, "tenant"), new ServerIdentity { Name = "EOP", Fqdn = CloudName }, "127.0.0.1"));
        Server1 = Add(LabSite.Create(Path.Combine(directory, "SERVER1"), new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" }, "127.0.0.1"));
        Configure(Tenant, c =>
        {
            c.HostsOverride[HybridName] = Server1.Address;
            c.SendConnectors.Add(new SendConnector
            {
                Name = "Outbound to hybrid",
                AddressSpaces = [OnPremisesDomain],
                DNSRoutingEnabled = false,
                SmartHosts = [$"{HybridName}:{Server1.Port}"],
                RequireTLS = true,
                TlsAuthLevel = TlsAuthLevel.DomainValidation,
                TlsDomain = HybridName,
                ProtocolLoggingLevel = ProtocolLoggingLevel.Verbose,
            });
        });
        Accept(Tenant, OnPremisesDomain, AcceptedDomainType.InternalRelay);
        Accept(Tenant, CloudRoutingDomain, AcceptedDomainType.Authoritative);
        AddMailbox(Tenant, "admin@" + CloudRoutingDomain); // the cloud-bound scenarios' recipient
        using (var cloud = PublicCa.IssueServerCertificate(new ServerCertificateSpec("CN=" + CloudName) { DnsNames = [CloudName] }))
        {
            Install(Tenant, cloud);
            Name(Tenant, cloud);
        }

        Accept(Server1, OnPremisesDomain, AcceptedDomainType.Authoritative);
        AddMailbox(Server1, "user@" + OnPremisesDomain); // the on-premises scenarios' recipient
        TrustPublicCa(Tenant);
        TrustPublicCa(Server1);
        OnPremises.Add(Server1);
        using var hybrid = IssueHybrid(PublicCa);
        HybridThumbprint = Install(Server1, hybrid);
    }

    public string Directory { get; }

    public CertificateAuthority PublicCa { get; }

    public string PublicCaFile { get; }

    public LabSite Tenant { get; }

    public LabSite Server1 { get; }

    /// <summary>The CA-issued hybrid.domain.com certificate installed on SERVER1 (named by no connector at first).</summary>
    public string HybridThumbprint { get; }

    /// <summary>Every on-premises server the scenario runs (SERVER1, and SERVER2 when it adds one).</summary>
    public List<LabSite> OnPremises { get; } = [];

    public static X509Certificate2 IssueHybrid(CertificateAuthority issuer, DateTimeOffset? notAfter = null) =>
        issuer.IssueServerCertificate(new ServerCertificateSpec("CN=" + HybridName)
        {
            DnsNames = [HybridName],
            Key = KeyAlgorithm.Rsa2048,
            NotBefore = (notAfter ?? DateTimeOffset.UtcNow).AddDays(-90),
            NotAfter = notAfter ?? DateTimeOffset.UtcNow.AddYears(1),
        });

    /// <summary>Another on-premises server behind the same name, set up as SERVER1 was.</summary>
    public LabSite AddServer(string name, string address)
    {
        var site = Add(LabSite.Create(Path.Combine(Directory, name), new ServerIdentity { Name = name, Fqdn = $"{name}.domain.com" }, address));
        Accept(site, OnPremisesDomain, AcceptedDomainType.Authoritative);
        AddMailbox(site, "user@" + OnPremisesDomain);
        TrustPublicCa(site);
        OnPremises.Add(site);
        return site;
    }

    /// <summary>The devices and helpers the scenario placed in the world (balancers, firewalls), for its fix to reach.</summary>
    public IEnumerable<IAsyncDisposable> Owned => owned;

    public T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    /// <summary>Makes <paramref name="domain"/> an accepted domain of <paramref name="type"/> (the server's own FQDN domain may already be one).</summary>
    public static void Accept(LabSite site, string domain, AcceptedDomainType type) => Configure(site, c =>
    {
        c.AcceptedDomains.RemoveAll(a => string.Equals(a.DomainName, domain, StringComparison.OrdinalIgnoreCase));
        c.AcceptedDomains.Add(new AcceptedDomain { Name = domain, DomainName = domain, DomainType = type, Default = c.AcceptedDomains.Count == 0 });
    });

    /// <summary>New-Mailbox on a site: local delivery goes only to mailboxes that exist.</summary>
    public static void AddMailbox(LabSite site, string address) => new Management.Recipients.MailboxCommands(site.Administration).New(address);

    public static void Configure(LabSite site, Action<MailFlowConfiguration> change) => site.Administration.Configuration.Update(change);

    public static string Install(LabSite site, X509Certificate2 certificate, IReadOnlyList<X509Certificate2>? chain = null) =>
        site.Administration.CertificateStore.Add(certificate, chain ?? [], ExchangeServices.SMTP, certificate.GetNameInfo(X509NameType.SimpleName, false)).Thumbprint;

    /// <summary>Sets the Default Frontend's TlsCertificateName to the certificate's <c>&lt;I&gt;issuer&lt;S&gt;subject</c>.</summary>
    public static void Name(LabSite site, X509Certificate2 certificate) =>
        Configure(site, c => c.ReceiveConnectors[0].TlsCertificateName = $"<I>{certificate.Issuer}<S>{certificate.Subject}");

    /// <summary>Trusts the lab's public CA on <paramref name="site"/>, as every machine trusts the public roots.</summary>
    public void TrustPublicCa(LabSite site) => Configure(site, c => c.Tls.AdditionalRootFiles = [PublicCaFile]);

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(owned))
        {
            await disposable.DisposeAsync();
        }

        PublicCa.Dispose();
    }

    private LabSite Add(LabSite site)
    {
        owned.Add(site);
        return site;
    }
}
