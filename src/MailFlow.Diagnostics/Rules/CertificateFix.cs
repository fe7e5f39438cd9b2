using MailFlow.Diagnostics.Dumps;

namespace MailFlow.Diagnostics.Rules;

/// <summary>The seed article's fix with the real thumbprint and connector filled in, shared by the rules whose fix is naming the certificate.</summary>
internal static class CertificateFix
{
    /// <summary>The article's three lines, the restart of the service that owns the connector, and the MailFlow equivalent.</summary>
    public static List<string> NameTheCertificate(DumpedObject? connector, string? connectorName, DumpedObject? good, string expected)
    {
        var identity = connector?["Identity"] ?? connectorName ?? "<SERVER>\\Default Frontend <SERVER>";
        var thumbprint = good?["Thumbprint"] ?? "<thumbprint of the certificate for " + expected + ">";
        var service = connector?["TransportRole"] is "HubTransport" ? "MSExchangeTransport" : "MSExchangeFrontEndTransport";
        return
        [
            $"$tlscert=Get-ExchangeCertificate {thumbprint}",
            "$tlscertname=\"<I>$($TLScert.Issuer)<S>$($TLSCert.Subject)\"",
            $"Get-ReceiveConnector \"{identity}\" | Set-ReceiveConnector -TlsCertificateName $tlscertname",
            $"Restart-Service {service}",
            $"# on a MailFlow server: mailflow connector receive set \"{identity}\" --TlsCertificateName \"<I>{good?["Issuer"] ?? "<issuer>"}<S>{good?["Subject"] ?? "<subject>"}\" && mailflow service restart",
        ];
    }
}
