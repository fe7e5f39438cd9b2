using System.Net.Security;
using System.Security.Authentication;

namespace MailFlow.Logs;

/// <summary>
/// Renders a negotiated TLS session in Exchange's SCHANNEL wording, e.g.
/// <c>TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm CALG_ECDHE with strength 256 bits</c>.
/// AEAD suites report their PRF hash with strength 0, as Windows does.
/// </summary>
public static class TlsDescription
{
    public static string Describe(SslProtocols protocol, TlsCipherSuite suite, bool server)
    {
        var name = suite.ToString();
        var version = protocol switch
        {
#pragma warning disable SYSLIB0039, CA5397 // old protocols are named here, never enabled
            SslProtocols.Tls => "TLS1_0",
            SslProtocols.Tls11 => "TLS1_1",
#pragma warning restore SYSLIB0039, CA5397
            SslProtocols.Tls12 => "TLS1_2",
            SslProtocols.Tls13 => "TLS1_3",
            _ => protocol.ToString().ToUpperInvariant(),
        };
        var (bulk, strength) = name.Contains("AES_256", StringComparison.Ordinal) ? ("CALG_AES_256", 256)
            : name.Contains("AES_128", StringComparison.Ordinal) ? ("CALG_AES_128", 128)
            : name.Contains("CHACHA20", StringComparison.Ordinal) ? ("CALG_CHACHA20_POLY1305", 256)
            : ("CALG_" + name, 0);
        var aead = name.Contains("GCM", StringComparison.Ordinal) || name.Contains("CHACHA20", StringComparison.Ordinal) || name.Contains("CCM", StringComparison.Ordinal);
        var mac = name.EndsWith("SHA384", StringComparison.Ordinal) ? "CALG_SHA_384"
            : name.EndsWith("SHA256", StringComparison.Ordinal) ? "CALG_SHA_256"
            : "CALG_SHA1";
        var macStrength = aead ? 0 : mac switch { "CALG_SHA_384" => 384, "CALG_SHA_256" => 256, _ => 160 };
        var exchange = name.Contains("_ECDHE_", StringComparison.Ordinal) || protocol == SslProtocols.Tls13 ? "CALG_ECDHE"
            : name.Contains("_DHE_", StringComparison.Ordinal) ? "CALG_DH_EPHEM"
            : "CALG_RSA_KEYX";
        var exchangeStrength = exchange == "CALG_RSA_KEYX" ? 2048 : 256;
        return $"TLS protocol SP_PROT_{version}_{(server ? "SERVER" : "CLIENT")} negotiation succeeded using bulk encryption algorithm {bulk} with strength {strength} bits, " +
            $"MAC hash algorithm {mac} with strength {macStrength} bits and key exchange algorithm {exchange} with strength {exchangeStrength} bits";
    }
}
