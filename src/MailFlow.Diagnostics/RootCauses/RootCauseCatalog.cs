namespace MailFlow.Diagnostics.RootCauses;

/// <summary>One root cause of root-causes.md: what it is and the fix an admin runs.</summary>
public sealed record RootCause(string Id, string Title, string Fix);

/// <summary>
/// RC01–RC22, with fixes in the commands Exchange admins type (root-causes.md §1), and RC23, MailFlow's
/// addition for a connector that offers no TLS by configuration (decision 0017).
/// </summary>
public static class RootCauseCatalog
{
    public static IReadOnlyDictionary<string, RootCause> All { get; } = new RootCause[]
    {
        new("RC01", "The receive connector presents the wrong certificate (TlsCertificateName unset or wrong)",
            "$cert = Get-ExchangeCertificate -Thumbprint <thumbprint of the CA certificate>; $n = \"<I>$($cert.Issuer)<S>$($cert.Subject)\"; Set-ReceiveConnector \"<SERVER>\\Default Frontend <SERVER>\" -TlsCertificateName $n; Restart-Service MSExchangeFrontEndTransport"),
        new("RC02", "Only some receiving servers are configured (one of several behind the MX or load balancer)",
            "Run the RC01 Set-ReceiveConnector on every server in (Get-HybridConfiguration).ReceivingTransportServers, then restart Front End Transport on each"),
        new("RC03", "TlsCertificateName is stale after a renewal (the named certificate is gone): STARTTLS is no longer offered",
            "Enable-ExchangeCertificate -Thumbprint <new> -Services SMTP (answer No to replacing the default certificate); set TlsCertificateName as in RC01; restart transport"),
        new("RC04", "The send connector's certificate is not found, invalid, or has no private key",
            "Set-SendConnector \"<connector>\" -TlsCertificateName $n; re-import the certificate with its private key; Enable-ExchangeCertificate -Thumbprint <tp> -Services SMTP; Get-Queue | ?{$_.Status -eq 'Retry'} | Retry-Queue"),
        new("RC05", "The certificate has expired (on Exchange, or on a device in front of it)", "Renew the certificate, then the RC01/RC04 steps; probe again"),
        new("RC06", "Intermediate certificates are missing: the server sends only its leaf, and Exchange Online does not fetch intermediates",
            "Import the intermediate: Get-ChildItem c:\\import\\intermediateca.cer | Import-Certificate -CertStoreLocation cert:\\LocalMachine\\CA; check with Test-Certificate; restart transport"),
        new("RC07", "The certificate is revoked, or its revocation status cannot be checked", "Replace the certificate; open the CRL/OCSP path (outbound TCP 80)"),
        new("RC08", "Several certificates share the same issuer and subject", "Stop MSExchangeTransport; Remove-ExchangeCertificate -Thumbprint <old>; start the service again"),
        new("RC09", "The sender's expected name (TlsDomain) does not match the on-premises certificate's names",
            "Set-OutboundConnector \"<connector>\" -TlsSettings DomainValidation -TlsDomain <a name in the certificate>, or re-run the Hybrid Configuration Wizard"),
        new("RC10", "A TLS-terminating firewall, proxy or load balancer presents its own certificate", "Fix the certificate on the device, or stop SMTP proxying for Exchange Online's addresses"),
        new("RC11", "SMTP inspection strips or masks STARTTLS (Cisco ASA esmtp inspection and similar)", "On the firewall: no inspect esmtp (or a policy that allows TLS); see KB 320027"),
        new("RC12", "TLS 1.2 is disabled or the protocol versions do not overlap", "Enable TLS 1.2 for SCHANNEL and .NET (SchUseStrongCrypto, SystemDefaultTlsVersions), then reboot"),
        new("RC13", "No cipher suite in common", "Re-enable current cipher suites (SSL Cipher Suite Order policy) and patch"),
        new("RC14", "A front end picks the certificate from SNI, and the default (no-SNI) certificate is the wrong one", "Make the certificate presented without SNI the correct one"),
        new("RC15", "The send connector has neither TlsCertificateName nor Fqdn", "Set-SendConnector \"<name>\" -TlsCertificateName $n (or -Fqdn <a name in the certificate>)"),
        new("RC16", "Exchange Online does not attribute the on-premises mail to the tenant (certificate name or source IP changed)",
            "Make Set-SendConnector -TlsCertificateName match Get-InboundConnector | fl TlsSenderCertificateName; add the name's domain as an accepted domain; or update the IP/certificate on the inbound connector"),
        new("RC17", "Edge: a TlsCertificateName longer than 256 characters does not EdgeSync", "Raise the ADAM attribute limit on Edge (KB 4052493) or use a certificate with a shorter issuer and subject"),
        new("RC18", "The internal transport certificate is missing", "New-ExchangeCertificate -Server $env:COMPUTERNAME -KeySize 2048 -PrivateKeyExportable $true -DomainName $env:COMPUTERNAME -IncludeServerFQDN -Services SMTP -Force"),
        new("RC19", "TlsCertificateName syntax is invalid (missing <I>/<S>, a thumbprint pasted, …)", "Rebuild the value from $cert.Issuer and $cert.Subject as in RC01"),
        new("RC20", "Exchange 2013 ≤ CU8 still trusts Exchange Online's old certificate (TlsDomainCapabilities)", "Set-ReceiveConnector \"<SERVER>\\Default Frontend <SERVER>\" -TlsDomainCapabilities \"mail.protection.outlook.com:AcceptCloudServicesMail\", or run the HCW on a current CU"),
        new("RC21", "Not TLS: DNS, a timeout, or a refused connection (firewall not allowing Exchange Online, port 25 blocked)", "Fix DNS or the firewall; allow Exchange Online's IP ranges to port 25"),
        new("RC22", "DANE or MTA-STS enforcement failed", "Fix the TLSA records or the MTA-STS policy, or the certificate they describe"),
        new("RC23", "The receive connector offers no STARTTLS by configuration (AuthMechanism without Tls)",
            "Set-ReceiveConnector \"<SRV>\\Default Frontend <SRV>\" -AuthMechanism Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer; Restart-Service MSExchangeFrontEndTransport"),
    }.ToDictionary(r => r.Id);
}
