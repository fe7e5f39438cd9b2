namespace MailFlow.Diagnostics.Tests;

/// <summary>Published pastes (logs, transcripts, certificate-health output) for the artefact readers, each with its source.</summary>
public static class ArtefactSamples
{
    /// <summary>
    /// A Default Frontend EHLO row without STARTTLS, wrapped in two by the page and without #Fields, from Microsoft Japan's
    /// Exchange blog (github.com/jpmessaging/blog, 2025-06-09 translation of techcommunity.microsoft.com/blog/exchange/
    /// tls-certificates-in-exchange-hybrid---common-issues--how-to-fix-them/4420592), the &lt;br&gt; turned into a line break.
    /// </summary>
    public static readonly string[] JpBlogWrappedRow =
    [
        "2025-01-29T20:14:51.470Z,E19\\Default Frontend",
        "E19,08DD34FA3086278D,3,10.0.0.1:25,104.47.58.43:57811,>,250 E19.Contoso.lab Hello [104.47.58.43] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES X-ANONYMOUSTLS AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING SMTPUTF8 XRDST,",
    ];

    /// <summary>
    /// DFIR-2023's SmtpReceive rows (exchange-semantics.md §3.5, redacted by its author): banner, EHLO, the one-line EHLO
    /// reply with STARTTLS, STARTTLS, its answer and the single-line certificate record.
    /// </summary>
    public static readonly string[] DfirRows =
    [
        "2023-01-11T15:59:51.433Z,SERVER-HOSTNAME\\Default Frontend SERVER-HOSTNAME,123453EC62278461,1,10.10.10.10:25,95.10.20.33:56026,>,\"220 SERVER-HOSTNAME.DOMAIN.TEST Microsoft ESMTP MAIL Service ready at Wed, 11 Jan 2023 16:59:51 +0100\",",
        "2023-01-11T15:59:53.909Z,SERVER-HOSTNAME\\Default Frontend SERVER-HOSTNAME,123453EC62278461,2,10.10.10.10:25,95.10.20.33:56026,<,EHLO [95.10.20.33],",
        "2023-01-11T15:59:53.910Z,SERVER-HOSTNAME\\Default Frontend SERVER-HOSTNAME,123453EC62278461,3,10.10.10.10:25,95.10.20.33:56026,>,250  SERVER-HOSTNAME.DOMAIN.TEST Hello [95.10.20.33] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING XRDST,",
        "2023-01-11T15:59:56.232Z,SERVER-HOSTNAME\\Default Frontend SERVER-HOSTNAME,123453EC62278461,4,10.10.10.10:25,95.10.20.33:56026,<,STARTTLS,",
        "2023-01-11T15:59:56.232Z,SERVER-HOSTNAME\\Default Frontend SERVER-HOSTNAME,123453EC62278461,5,10.10.10.10:25,95.10.20.33:56026,>,220 2.0.0 SMTP server ready,",
        "2023-01-11T15:59:56.232Z,SERVER-HOSTNAME\\Default Frontend SERVER-HOSTNAME,123453EC62278461,6,10.10.10.10:25,95.10.20.33:56026,*, CN=SERVER-HOSTNAME CN=SERVER-HOSTNAME 12DEABC6565646512346ABDC13456894 12DEABC6565646512346ABDC1345689413589876 2020-01-17T15:15:33.000Z 2025-01-17T15:15:33.000Z SERVER-HOSTNAME;SERVER-HOSTNAME.DOMAIN.TEST,Sending certificate Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names",
    ];

    /// <summary>KT's Exchange 2013 tracking row (exchange-semantics.md §4.6), truncated as published, here without its header.</summary>
    public const string KtTrackingRow = "2017-05-22T17:33:35.632Z,,EX13D13UWA001,,,,,AGENT,AGENTINFO,64712272257893,<1028007174.22872.1495474412586.JavaMail.apollo@apollo-adaws-onebox-acc-1a-4c722f6e.us-east-1.amazon.com>,13fad5b7-39c5-46e7-130e-08d4a138ac67,bryanson@amazon.com,,7631,1,,,Started JlbRelayShortCircuit/us-west-2/PDX1/Prod deployment,apollo@amazon.com,jlb-approval@amazon.com,,Inc";

    /// <summary>
    /// The telnet dialogue of learn.microsoft.com/exchange/mail-flow/test-smtp-with-telnet (exchange-semantics.md §3.6), the
    /// server's lines as published with the client's commands between them.
    /// </summary>
    public static readonly string[] DocTelnet =
    [
        "220 mail1.fabrikam.com Microsoft ESMTP MAIL Service ready at Fri, 5 Aug 2016 16:24:41 -0700",
        "EHLO contoso.com",
        "250-mail1.fabrikam.com Hello [172.16.0.5]", "250-SIZE 37748736", "250-PIPELINING", "250-DSN", "250-ENHANCEDSTATUSCODES", "250-STARTTLS", "250-X-ANONYMOUSTLS",
        "250-AUTH NTLM", "250-X-EXPS GSSAPI NTLM", "250-8BITMIME", "250-BINARYMIME", "250-CHUNKING", "250 XRDST",
        "MAIL FROM:<chris@contoso.com>",
        "250 2.1.0 Sender OK",
    ];

    /// <summary>
    /// A public CTF write-up (Cyber Security Challenge Belgium 2025, "DNS scavenger hunt"; URL not recorded): an nc session and
    /// the openssl s_client -starttls smtp output against the same server, as published (certificate body left out).
    /// </summary>
    public static readonly string[] CtfNcSession = ["220 mail.juistnuisance.be CSC ESMTP You had me at EHLO", "EHLO", "530 5.7.0-let's switch to a secure line", "250-SIZE 0", "250-STARTTLS", "250 ENHANCEDSTATUSCODES"];

    public static readonly string[] CtfSClient =
    [
        "Connecting to 52.30.164.99", "CONNECTED(00000003)", "Didn't find STARTTLS in server response, trying anyway...", "Can't use SSL_get_servername",
        "depth=0 C=BE, ST=Vlaams-Brabant, L=Leuven, O=DNS Belgium VZW, CN=mail.juistnuisance.be", "verify error:num=18:self-signed certificate", "verify return:1", "---",
        "Certificate chain", " 0 s:C=BE, ST=Vlaams-Brabant, L=Leuven, O=DNS Belgium VZW, CN=mail.juistnuisance.be", "   i:C=BE, ST=Vlaams-Brabant, L=Leuven, O=DNS Belgium VZW, CN=mail.juistnuisance.be",
        "   a:PKEY: rsaEncryption, 2048 (bit); sigalg: RSA-SHA256", "   v:NotBefore: Jan 23 19:27:29 2025 GMT; NotAfter: Oct 21 19:27:29 2027 GMT", "---",
        "subject=C=BE, ST=Vlaams-Brabant, L=Leuven, O=DNS Belgium VZW, CN=mail.juistnuisance.be", "issuer=C=BE, ST=Vlaams-Brabant, L=Leuven, O=DNS Belgium VZW, CN=mail.juistnuisance.be", "---",
        "SSL handshake has read 1635 bytes and written 535 bytes", "Verification error: self-signed certificate", "---", "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256",
        "Verify return code: 18 (self-signed certificate)", "---", "530 5.7.0-let's switch to a secure line",
    ];

    /// <summary>The Test-Certificate output of the jpmessaging/blog post above (BLOG-HYB25's screenshot, typed out).</summary>
    public static readonly string[] JpBlogTestCertificate =
    [
        "Get-ChildItem -Path \"Cert:\\LocalMachine\\My\\886843E0A76558D7209FD3945B62A951FD08ECD8\" | Test-Certificate |fl",
        "WARNING: Chain status: ", "    CERT_TRUST_IS_REVOKED", "    CERT_TRUST_IS_UNTRUSTED_ROOT", "    CERT_TRUST_REVOCATION_STATUS_UNKNOWN", "    CERT_TRUST_IS_OFFLINE_REVOCATION",
        "Test-Certificate : The certificate is revoked. 0x80092010 (-2146885616 CRYPT_E_REVOKED)",
    ];

    /// <summary>certutil -verify of a DC certificate, from learn.microsoft.com/en-us/answers/questions/459894/ldaps-will-not-accept-cert (abridged to the status lines and their context).</summary>
    public static readonly string[] QaLdapsCertutil =
    [
        "Subject:", "    CN=DC-PRIME.compasshealthcenter.net", "Cert Serial Number: 1200000002e7565ff3f4f3b9d0000000000002", "",
        "-------- CERT_CHAIN_CONTEXT --------",
        "ChainContext.dwErrorStatus = CERT_TRUST_REVOCATION_STATUS_UNKNOWN (0x40)", "ChainContext.dwErrorStatus = CERT_TRUST_IS_OFFLINE_REVOCATION (0x1000000)", "ChainContext.dwErrorStatus = CERT_TRUST_IS_PARTIAL_CHAIN (0x10000)", "",
        "CertContext[0][0]: dwInfoStatus=2 dwErrorStatus=1000040", "  Issuer: CN=dc-prime.compasshealthcenter.net, DC=compasshealthcenter, DC=net", "  Subject: CN=DC-PRIME.compasshealthcenter.net",
        "  Cert: 092eb7929b8eac83c44c3ae8e71b0034e176c23b", "  Element.dwErrorStatus = CERT_TRUST_REVOCATION_STATUS_UNKNOWN (0x40)", "",
        "A certificate chain could not be built to a trusted root authority. 0x800b010a (-2146762486 CERT_E_CHAINING)", "------------------------------------", "Incomplete certificate chain", "",
        "ERROR: Verifying leaf certificate revocation status returned The revocation function was unable to check revocation because the revocation server was offline. 0x80092013 (-2146885613 CRYPT_E_REVOCATION_OFFLINE)",
        "CertUtil: -verify command completed successfully.",
    ];

    /// <summary>The end of certutil -f -urlfetch -verify, from learn.microsoft.com/en-us/answers/questions/1003508/new-ad-cs-2022-issuing-wont-start-because-the-revo.</summary>
    public static readonly string[] QaIssuingCaCertutil = ["Verified Issuance Policies: None", "Verified Application Policies: All", "Cert is a CA certificate", "Leaf certificate revocation check passed", "CertUtil: -verify command completed successfully."];

    /// <summary>CAPI2 Event ID 30 as XML, from learn.microsoft.com/troubleshoot/developer/visualstudio/installation/install-failure-2017-later-versions.</summary>
    public static readonly string[] DocsCapi2Event30 =
    [
        "<Event>", "  <UserData>", "    <CertVerifyCertificateChainPolicy>", "      <Policy type=\"CERT_CHAIN_POLICY_BASE\" constant=\"1\" />",
        "      <Certificate fileRef=\"8D68C42C0E1487E33AFCD85B764E514AFC2F8772.cer\" subjectName=\"Microsoft Corporation\" />",
        "      <Result value=\"800B010A\">", "        A certificate chain could not be built to a trusted root authority.", "      </Result>", "    </CertVerifyCertificateChainPolicy>", "  </UserData>", "</Event>",
    ];
}
