using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailFlow.Core.Errors;

namespace MailFlow.Certificates.Trust;

/// <summary>
/// The roots a validation may end in: the operating system's roots (optional) plus extra root files
/// (a lab CA, an enterprise CA). Intermediates are never fetched from the network (AIA): Exchange
/// Online does not fetch them, so neither may we, or a server that omits them would look healthy.
/// </summary>
public sealed class TrustAnchors
{
    private readonly HashSet<string> systemThumbprints;
    private readonly HashSet<string> additionalThumbprints;

    /// <summary>Anchors by subject name, for <see cref="IssuersOf"/>.</summary>
    private readonly ILookup<string, X509Certificate2> bySubject;

    private TrustAnchors(X509Certificate2Collection roots, HashSet<string> systemThumbprints, HashSet<string> additionalThumbprints)
    {
        Roots = roots;
        this.systemThumbprints = systemThumbprints;
        this.additionalThumbprints = additionalThumbprints;
        bySubject = roots.ToLookup(r => NameKey(r.SubjectName), StringComparer.OrdinalIgnoreCase);
    }

    public X509Certificate2Collection Roots { get; }

    public static TrustAnchors Empty { get; } = new([], [], []);

    /// <summary>Loads the system roots (when asked) and every certificate in each extra root file.</summary>
    public static TrustAnchors Load(bool useSystemRoots, IEnumerable<string> additionalRootFiles)
    {
        ArgumentNullException.ThrowIfNull(additionalRootFiles);
        var roots = new X509Certificate2Collection();
        var system = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (useSystemRoots)
        {
            using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            foreach (var root in store.Certificates)
            {
                roots.Add(root);
                system.Add(root.Thumbprint);
            }
        }

        var additional = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in additionalRootFiles)
        {
            foreach (var root in ReadRootFile(file))
            {
                roots.Add(root);
                additional.Add(root.Thumbprint);
            }
        }

        return new TrustAnchors(roots, system, additional);
    }

    /// <summary>Trust exactly these roots (tests, the lab, the probe's --ca option).</summary>
    public static TrustAnchors FromCertificates(params X509Certificate2[] roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var collection = new X509Certificate2Collection(roots);
        return new TrustAnchors(collection, [], new HashSet<string>(roots.Select(r => r.Thumbprint), StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The anchors a chain from <paramref name="presented"/> could end in: those whose subject is the
    /// issuer of a presented certificate, and transitively their issuers when an anchor file holds
    /// intermediates (RFC 5280 §6.1: an issuer's subject names the certificate's issuer). A chain build
    /// given only these reaches the same verdict as one given every anchor, but OpenSSL no longer
    /// re-sorts a store of ~140 system roots for every outbound session (about 1 ms of CPU each). The
    /// match is by decoded name, ignoring case and spacing, so it may include more than needed, never less.
    /// </summary>
    public X509Certificate2Collection IssuersOf(IEnumerable<X509Certificate2> presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var result = new X509Certificate2Collection();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var names = new Queue<string>(presented.Select(c => NameKey(c.IssuerName)));
        while (names.TryDequeue(out var name))
        {
            if (!seen.Add(name))
            {
                continue;
            }

            foreach (var anchor in bySubject[name])
            {
                result.Add(anchor);
                names.Enqueue(NameKey(anchor.IssuerName));
            }
        }

        return result;
    }

    private static string NameKey(X500DistinguishedName name) => string.Join(' ', name.Name.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    public bool IsSystemRoot(X509Certificate2 certificate) => systemThumbprints.Contains(certificate?.Thumbprint ?? string.Empty);

    public bool IsAdditionalRoot(X509Certificate2 certificate) => additionalThumbprints.Contains(certificate?.Thumbprint ?? string.Empty);

    public static IReadOnlyList<X509Certificate2> ReadRootFile(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MailFlowException($"trusted root file '{file}' cannot be read: {ex.Message}", ex);
        }

        var result = new List<X509Certificate2>();
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPem(text);
                result.AddRange(collection);
            }
            else
            {
                result.Add(X509CertificateLoader.LoadCertificate(File.ReadAllBytes(file)));
            }
        }
        catch (CryptographicException ex)
        {
            throw new MailFlowException($"trusted root file '{file}' is not a PEM or DER certificate: {ex.Message}", ex, MailFlowErrorKind.InvalidData);
        }

        if (result.Count == 0)
        {
            throw new MailFlowException($"trusted root file '{file}' holds no certificate", MailFlowErrorKind.InvalidData);
        }

        return result;
    }
}
