using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace MailFlow.Certificates.Names;

/// <summary>The names a certificate claims: SAN dNSName and iPAddress entries and the Subject CN values.</summary>
public sealed record PresentedIdentifiers(
    IReadOnlyList<string> DnsNames,
    IReadOnlyList<IPAddress> IpAddresses,
    IReadOnlyList<string> CommonNames)
{
    private const string SubjectAlternativeNameOid = "2.5.29.17";
    private const string CommonNameOid = "2.5.4.3";

    public static PresentedIdentifiers From(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var dnsNames = new List<string>();
        var addresses = new List<IPAddress>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAlternativeNameOid)
            {
                continue;
            }

            try
            {
                var san = extension as X509SubjectAlternativeNameExtension
                    ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
                dnsNames.AddRange(san.EnumerateDnsNames());
                addresses.AddRange(san.EnumerateIPAddresses());
            }
            catch (Exception ex) when (ex is AsnContentException or System.Security.Cryptography.CryptographicException)
            {
                // A malformed SAN claims nothing; the certificate then matches no name, which is the safe outcome.
            }
        }

        return new PresentedIdentifiers(dnsNames, addresses, CommonNamesOf(certificate.SubjectName));
    }

    public static IReadOnlyList<string> CommonNamesOf(X500DistinguishedName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var result = new List<string>();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == CommonNameOid && rdn.GetSingleElementValue() is { } value)
            {
                result.Add(value);
            }
        }

        return result;
    }
}
