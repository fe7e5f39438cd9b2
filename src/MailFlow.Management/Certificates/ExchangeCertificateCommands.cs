using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Identity;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;
using MailFlow.Configuration;
using MailFlow.Configuration.Model;
using MailFlow.Core.Errors;

namespace MailFlow.Management.Certificates;

/// <summary>New-ExchangeCertificate parameters for a self-signed certificate.</summary>
public sealed record NewCertificateRequest
{
    /// <summary>Default <c>CN=&lt;server name&gt;</c>.</summary>
    public string? SubjectName { get; init; }

    /// <summary>SAN names; default the server name and FQDN. The CN is always added.</summary>
    public IReadOnlyList<string> DomainNames { get; init; } = [];

    /// <summary>Default IMAP, POP, SMTP, as New-ExchangeCertificate.</summary>
    public ExchangeServices Services { get; init; } = ExchangeServices.IMAP | ExchangeServices.POP | ExchangeServices.SMTP;

    public string? FriendlyName { get; init; }

    public KeyAlgorithm Key { get; init; } = KeyAlgorithm.Rsa2048;
}

/// <summary>Import-ExchangeCertificate parameters.</summary>
public sealed record ImportCertificateRequest(string FileName)
{
    /// <summary>PFX password, or the password of an encrypted PEM key. Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>PEM private key file when it is not in <see cref="FileName"/>.</summary>
    public string? KeyFileName { get; init; }

    /// <summary>Import a PEM certificate that has no private key (it can never be selected for STARTTLS).</summary>
    public bool AllowWithoutPrivateKey { get; init; }

    public ExchangeServices Services { get; init; } = ExchangeServices.None;

    public string? FriendlyName { get; init; }
}

/// <summary>The *-ExchangeCertificate cmdlets and the selection explanation, over one data directory.</summary>
public sealed class ExchangeCertificateCommands
{
    private readonly ServerAdministration administration;

    public ExchangeCertificateCommands(ServerAdministration administration)
    {
        ArgumentNullException.ThrowIfNull(administration);
        this.administration = administration;
    }

    /// <summary>The properties <c>Get-ExchangeCertificate | fl</c> shows, in its order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> View(ExchangeCertificateProperties c) =>
    [
        new("CertificateDomains", "{" + string.Join(", ", c.CertificateDomains) + "}"),
        new("FriendlyName", c.FriendlyName),
        new("HasPrivateKey", c.HasPrivateKey ? "True" : "False"),
        new("IsSelfSigned", c.IsSelfSigned ? "True" : "False"),
        new("Issuer", c.Issuer),
        new("NotAfter", c.NotAfter.ToString("u", CultureInfo.InvariantCulture)),
        new("NotBefore", c.NotBefore.ToString("u", CultureInfo.InvariantCulture)),
        new("PublicKeySize", c.PublicKeySize.ToString(CultureInfo.InvariantCulture)),
        new("RootCAType", c.RootCAType.ToString()),
        new("SerialNumber", c.SerialNumber),
        new("Services", c.Services),
        new("SignatureAlgorithm", c.SignatureAlgorithm),
        new("Status", c.Status.ToString()),
        new("Subject", c.Subject),
        new("Thumbprint", c.Thumbprint),
        new("Version", c.Version.ToString(CultureInfo.InvariantCulture)),
        new("ChainStatus", c.ChainStatus),
    ];

    /// <summary>Get-ExchangeCertificate: every certificate with its Format-List properties.</summary>
    public IReadOnlyList<ExchangeCertificateProperties> Get(out IReadOnlyList<string> problems)
    {
        var configuration = administration.Configuration.Load();
        var anchors = administration.LoadTrustAnchors(configuration);
        var inventory = administration.CertificateStore.List();
        problems = inventory.Problems;
        return inventory.Certificates
            .Select(c => c.Describe(anchors, administration.Now, configuration.Tls.RevocationCheck))
            .OrderByDescending(p => p.NotBefore)
            .ToList();
    }

    /// <summary>Get-ExchangeCertificate -Thumbprint.</summary>
    public ExchangeCertificateProperties Get(string thumbprint)
    {
        var configuration = administration.Configuration.Load();
        return administration.CertificateStore.Get(thumbprint)
            .Describe(administration.LoadTrustAnchors(configuration), administration.Now, configuration.Tls.RevocationCheck);
    }

    public ExchangeCertificate New(NewCertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SubjectName is { } subject)
        {
            // Checked here: the certificate factory would throw CryptographicException, which names no parameter.
            try
            {
                _ = new X500DistinguishedName(subject);
            }
            catch (CryptographicException ex)
            {
                throw new MailFlowException($"New-ExchangeCertificate -SubjectName \"{subject}\" is not a distinguished name (e.g. CN=mail.contoso.com)", ex, MailFlowErrorKind.InvalidArgument);
            }
        }

        var server = administration.Configuration.Load().Server;
        var spec = new SelfSignedCertificateSpec(request.SubjectName ?? "CN=" + server.Name)
        {
            DomainNames = request.DomainNames.Count > 0 ? request.DomainNames : [server.Name, server.Fqdn],
            NotBefore = administration.Now.AddMinutes(-5),
            Key = request.Key,
        };
        try
        {
            return administration.CertificateStore.NewSelfSigned(spec, request.Services, request.FriendlyName);
        }
        catch (ArgumentException ex)
        {
            throw new MailFlowException($"New-ExchangeCertificate: {ex.Message}", ex, MailFlowErrorKind.InvalidArgument);
        }
    }

    /// <summary>Import-ExchangeCertificate: PEM when the file is text with BEGIN markers, PKCS#12 otherwise.</summary>
    public ExchangeCertificate Import(ImportCertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CertificateFileReader.IsPem(request.FileName)
            ? administration.CertificateStore.ImportPem(request.FileName, request.KeyFileName, request.Password, request.AllowWithoutPrivateKey, request.Services, request.FriendlyName)
            : administration.CertificateStore.ImportPkcs12(request.FileName, request.Password, request.Services, request.FriendlyName);
    }

    /// <summary>Enable-ExchangeCertificate: additive, as in Exchange.</summary>
    public ExchangeCertificate Enable(string thumbprint, ExchangeServices services) =>
        administration.CertificateStore.EnableServices(thumbprint, services);

    /// <summary>
    /// Remove-ExchangeCertificate. Refused while a connector's TlsCertificateName names the certificate,
    /// as Exchange refuses ("tagged with … connectors"): the connector would silently lose STARTTLS.
    /// </summary>
    public void Remove(string thumbprint)
    {
        var certificate = administration.CertificateStore.Get(thumbprint);
        var configuration = administration.Configuration.Load();
        var users = ConnectorsNaming(configuration, certificate).ToList();
        if (users.Count > 0)
        {
            throw new MailFlowException(
                $"certificate {certificate.Thumbprint} is not removed: it is the TlsCertificateName of {string.Join(", ", users)}; point those connectors at another certificate first",
                MailFlowErrorKind.OperationFailed);
        }

        administration.CertificateStore.Remove(certificate.Thumbprint);
    }

    /// <summary>The STARTTLS certificate decision for one receive connector, computed as the service does at start.</summary>
    public CertificateSelectionDecision ExplainSelection(string connectorIdentity)
    {
        var configuration = administration.Configuration.Load();
        var connector = configuration.FindReceiveConnector(connectorIdentity)
            ?? throw ReceiveConnectorNotFound(configuration, connectorIdentity);
        return Decide(configuration, connector, administration.CertificateStore.List().Certificates);
    }

    /// <summary>The decision for every enabled receive connector.</summary>
    public IReadOnlyList<CertificateSelectionDecision> ExplainAllSelections()
    {
        var configuration = administration.Configuration.Load();
        var certificates = administration.CertificateStore.List().Certificates;
        return configuration.ReceiveConnectors.Select(c => Decide(configuration, c, certificates)).ToList();
    }

    internal static MailFlowException ReceiveConnectorNotFound(MailFlowConfiguration configuration, string identity) =>
        new($"receive connector \"{identity}\" was not found; known: {string.Join(", ", configuration.ReceiveConnectors.Select(configuration.IdentityOf))}", MailFlowErrorKind.NotFound);

    private CertificateSelectionDecision Decide(MailFlowConfiguration configuration, ReceiveConnector connector, IReadOnlyList<ExchangeCertificate> certificates) =>
        InboundCertificateSelector.Select(CertificateSelectionRequests.For(configuration, connector), certificates, administration.Now, configuration.Tls.ToSelectionPolicy());

    private static IEnumerable<string> ConnectorsNaming(MailFlowConfiguration configuration, ExchangeCertificate certificate)
    {
        foreach (var c in configuration.ReceiveConnectors)
        {
            if (Names(c.TlsCertificateName, certificate))
            {
                yield return $"receive connector \"{configuration.IdentityOf(c)}\"";
            }
        }

        foreach (var c in configuration.SendConnectors)
        {
            if (Names(c.TlsCertificateName, certificate))
            {
                yield return $"send connector \"{c.Name}\"";
            }
        }
    }

    /// <summary>
    /// A TlsCertificateName being set must name a certificate in the store that has its private key:
    /// otherwise the connector would silently lose STARTTLS (event 12014) or fail every handshake. Called
    /// by Set-/New-ReceiveConnector and Set-/New-SendConnector before anything is saved.
    /// </summary>
    internal static void EnsurePresentable(ServerAdministration administration, IReadOnlyDictionary<string, string?> parameters, string cmdlet)
    {
        var value = parameters.FirstOrDefault(p => p.Key.TrimStart('-').Equals("TlsCertificateName", StringComparison.OrdinalIgnoreCase)).Value;
        if (Parameters.ParameterValue.IsNull(value))
        {
            return;
        }

        if (!SmtpX509Identifier.TryParse(value, out _, out var error))
        {
            throw new MailFlowException($"{cmdlet} -TlsCertificateName \"{value}\": {error}", MailFlowErrorKind.InvalidArgument);
        }

        var named = administration.CertificateStore.List().Certificates.Where(c => Names(value, c)).ToList();
        if (named.Count == 0)
        {
            throw new MailFlowException($"{cmdlet} -TlsCertificateName \"{value}\": no certificate in the store has that issuer and subject (Get-ExchangeCertificate lists them)", MailFlowErrorKind.NotFound);
        }

        if (!named.Any(c => c.HasPrivateKey))
        {
            throw new MailFlowException($"{cmdlet} -TlsCertificateName \"{value}\": certificate {named[0].Thumbprint} has no private key, so it cannot be presented for TLS; import it with its key", MailFlowErrorKind.InvalidArgument);
        }
    }

    private static bool Names(string? tlsCertificateName, ExchangeCertificate certificate) =>
        SmtpX509Identifier.TryParse(tlsCertificateName, out var id, out _) && id!.Matches(certificate.Certificate);
}
