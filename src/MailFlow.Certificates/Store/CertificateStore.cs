using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MailFlow.Certificates.Issuance;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;

namespace MailFlow.Certificates.Store;

/// <summary>The certificates in the store, and any entries that could not be read.</summary>
public sealed record CertificateInventory(IReadOnlyList<ExchangeCertificate> Certificates, IReadOnlyList<string> Problems);

/// <summary>
/// MailFlow's equivalent of the computer's personal certificate store plus Exchange's service
/// bindings. One folder per certificate, named by thumbprint:
/// <c>certificate.pem</c>, <c>chain.pem</c> (optional), <c>private-key.pem</c> (0600, optional),
/// <c>properties.json</c> (services, friendly name). A folder is built under a temporary name and
/// renamed into place, so a crash never leaves a half-imported certificate.
/// </summary>
public sealed class CertificateStore
{
    private const string CertificateFile = "certificate.pem";
    private const string ChainFile = "chain.pem";
    private const string PrivateKeyFile = "private-key.pem";
    private const string PropertiesFile = "properties.json";

    public CertificateStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }

    /// <summary>Reads every certificate. An unreadable entry is reported in Problems and skipped, never fatal.</summary>
    public CertificateInventory List()
    {
        var certificates = new List<ExchangeCertificate>();
        var problems = new List<string>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return new CertificateInventory(certificates, problems);
        }

        foreach (var folder in System.IO.Directory.EnumerateDirectories(Directory).Order(StringComparer.Ordinal))
        {
            if (!IsThumbprint(Path.GetFileName(folder)))
            {
                continue; // temporary folders of an import or removal in progress
            }

            try
            {
                certificates.Add(Load(folder));
            }
            catch (Exception ex) when (ex is MailFlowException or IOException or CryptographicException or JsonException or UnauthorizedAccessException)
            {
                problems.Add($"certificate store entry '{folder}' cannot be read: {ex.Message}");
            }
        }

        return new CertificateInventory(certificates, problems);
    }

    public ExchangeCertificate? Find(string thumbprint)
    {
        var normalized = NormalizeThumbprint(thumbprint);
        var folder = Path.Combine(Directory, normalized);
        return System.IO.Directory.Exists(folder) ? Load(folder) : null;
    }

    public ExchangeCertificate Get(string thumbprint) =>
        Find(thumbprint) ?? throw new MailFlowException($"no certificate with thumbprint {NormalizeThumbprint(thumbprint)} is in the store ({Directory})", MailFlowErrorKind.NotFound);

    public ExchangeCertificate ImportPkcs12(string file, string? password, ExchangeServices services, string? friendlyName)
    {
        var imported = CertificateFileReader.ReadPkcs12(file, password);
        return Add(imported.Leaf, imported.Chain, services, friendlyName);
    }

    public ExchangeCertificate ImportPem(string certificateFile, string? keyFile, string? keyPassword, bool allowWithoutPrivateKey, ExchangeServices services, string? friendlyName)
    {
        var imported = CertificateFileReader.ReadPem(certificateFile, keyFile, keyPassword, allowWithoutPrivateKey);
        return Add(imported.Leaf, imported.Chain, services, friendlyName);
    }

    public ExchangeCertificate NewSelfSigned(SelfSignedCertificateSpec spec, ExchangeServices services, string? friendlyName)
    {
        using var created = SelfSignedCertificateFactory.Create(spec);
        return Add(created, [], services, friendlyName);
    }

    /// <summary>
    /// Adds a certificate. When one with the same thumbprint is already there, the import may only complete
    /// it — a private key or intermediates it lacked (the fix for a certificate imported without its key,
    /// RC04, or without its chain, RC06); anything else is refused, as Exchange refuses a duplicate.
    /// </summary>
    public ExchangeCertificate Add(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, ExchangeServices services, string? friendlyName)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        DurableFile.EnsurePrivateDirectory(Directory);
        var destination = Path.Combine(Directory, certificate.Thumbprint);
        if (System.IO.Directory.Exists(destination))
        {
            return Complete(destination, certificate, chain);
        }

        var staging = Path.Combine(Directory, $".import-{Guid.NewGuid():N}");
        DurableFile.EnsurePrivateDirectory(staging);
        try
        {
            DurableFile.WriteAndSync(Path.Combine(staging, CertificateFile), Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            if (chain.Count > 0)
            {
                var pem = string.Concat(chain.Select(c => c.ExportCertificatePem() + "\n"));
                DurableFile.WriteAndSync(Path.Combine(staging, ChainFile), Encoding.ASCII.GetBytes(pem), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            if (certificate.HasPrivateKey)
            {
                DurableFile.WriteAndSync(Path.Combine(staging, PrivateKeyFile), Encoding.ASCII.GetBytes(CertificateBuilder.ExportPrivateKeyPem(certificate) + "\n"), DurableFile.PrivateFile);
            }

            WriteProperties(staging, new StoredProperties(services, friendlyName), replace: false);
            DurableFile.SyncDirectory(staging);
            DurableFile.MoveDirectoryDurably(staging, destination);
        }
        catch
        {
            TryDeleteDirectory(staging);
            throw;
        }

        return Load(destination);
    }

    /// <summary>Enable-ExchangeCertificate: services are added to those already enabled, never removed.</summary>
    public ExchangeCertificate EnableServices(string thumbprint, ExchangeServices services)
    {
        var certificate = Get(thumbprint);
        var folder = Path.Combine(Directory, certificate.Thumbprint);
        WriteProperties(folder, new StoredProperties(certificate.Services | services, certificate.FriendlyName), replace: true);
        return Load(folder);
    }

    /// <summary>Removes a certificate. Whether a connector still names it is checked by the caller, which knows the configuration.</summary>
    public void Remove(string thumbprint)
    {
        var certificate = Get(thumbprint);
        var folder = Path.Combine(Directory, certificate.Thumbprint);
        var graveyard = Path.Combine(Directory, $".removed-{Guid.NewGuid():N}");
        DurableFile.MoveDirectoryDurably(folder, graveyard);
        TryDeleteDirectory(graveyard);
    }

    /// <summary>Upper-case hex without spaces or colons; 40 digits (SHA-1) as Exchange shows them.</summary>
    public static string NormalizeThumbprint(string thumbprint)
    {
        ArgumentNullException.ThrowIfNull(thumbprint);
        var normalized = new string(thumbprint.Where(c => !char.IsWhiteSpace(c) && c != ':').ToArray()).ToUpperInvariant();
        if (!IsThumbprint(normalized))
        {
            throw new MailFlowException($"\"{thumbprint}\" is not a certificate thumbprint (40 hexadecimal digits)", MailFlowErrorKind.InvalidArgument);
        }

        return normalized;
    }

    private static bool IsThumbprint(string value) => value.Length == 40 && value.All(Uri.IsHexDigit);

    private static ExchangeCertificate Complete(string folder, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain)
    {
        var existing = Load(folder);
        var addsKey = certificate.HasPrivateKey && !existing.Certificate.HasPrivateKey;
        var addsChain = chain.Count > 0 && existing.Chain.Count == 0;
        if (!addsKey && !addsChain)
        {
            throw new MailFlowException($"a certificate with thumbprint {certificate.Thumbprint} is already in the store", MailFlowErrorKind.AlreadyExists);
        }

        if (addsKey)
        {
            AddFile(folder, PrivateKeyFile, CertificateBuilder.ExportPrivateKeyPem(certificate) + "\n", DurableFile.PrivateFile);
        }

        if (addsChain)
        {
            AddFile(folder, ChainFile, string.Concat(chain.Select(c => c.ExportCertificatePem() + "\n")), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        return Load(folder);
    }

    /// <summary>A file new to a stored certificate: written and synced aside, then renamed in, so a crash leaves it whole or absent.</summary>
    private static void AddFile(string folder, string name, string content, UnixFileMode mode)
    {
        var temporary = Path.Combine(folder, $".{name}.{Guid.NewGuid():N}");
        DurableFile.WriteAndSync(temporary, Encoding.ASCII.GetBytes(content), mode);
        File.Move(temporary, Path.Combine(folder, name));
        DurableFile.SyncDirectory(folder);
    }

    private static ExchangeCertificate Load(string folder)
    {
        var certificatePem = File.ReadAllText(Path.Combine(folder, CertificateFile));
        var keyPath = Path.Combine(folder, PrivateKeyFile);
        X509Certificate2 certificate;
        if (File.Exists(keyPath))
        {
            using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, File.ReadAllText(keyPath));
            certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
        else
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem);
        }

        if (!string.Equals(certificate.Thumbprint, Path.GetFileName(folder), StringComparison.OrdinalIgnoreCase))
        {
            throw new MailFlowException($"{CertificateFile} has thumbprint {certificate.Thumbprint}, not the folder's name", MailFlowErrorKind.InvalidData);
        }

        var chain = new List<X509Certificate2>();
        var chainPath = Path.Combine(folder, ChainFile);
        if (File.Exists(chainPath))
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(File.ReadAllText(chainPath));
            chain.AddRange(collection);
        }

        var properties = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(folder, PropertiesFile)), CertificateStoreJsonContext.Default.StoredProperties)
            ?? throw new MailFlowException($"{PropertiesFile} is empty", MailFlowErrorKind.InvalidData);
        return new ExchangeCertificate(certificate, chain, properties.Services, properties.FriendlyName);
    }

    private static void WriteProperties(string folder, StoredProperties properties, bool replace)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(properties, CertificateStoreJsonContext.Default.StoredProperties);
        var path = Path.Combine(folder, PropertiesFile);
        if (replace)
        {
            DurableFile.WriteAllBytes(path, bytes);
        }
        else
        {
            DurableFile.WriteAndSync(path, bytes);
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            System.IO.Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover dot-folder is ignored by List() and holds nothing the store relies on.
        }
    }
}
