using CsCheck;
using MailFlow.Diagnostics.Artefacts;
using MailFlow.Diagnostics.Dumps;
using MailFlow.Logs.Reading;

namespace MailFlow.Diagnostics.Tests;

/// <summary>The tolerant log reader, the transcript reader, the certificate-health reader and the classifier, on published pastes (ArtefactSamples.cs).</summary>
public sealed class ArtefactReaderTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mailflow-artefacts-").FullName;

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed", name);

    [Fact]
    public void A_headerless_row_wrapped_in_two_is_rejoined_and_read_as_SmtpReceive()
    {
        var log = TolerantLogReader.Read("paste.txt", ArtefactSamples.JpBlogWrappedRow);

        var row = Assert.Single(log.Rows);
        Assert.Equal(1, row.Line);
        Assert.Equal("E19\\Default Frontend E19", row["connector-id"]);
        Assert.Equal("08DD34FA3086278D", row["session-id"]);
        Assert.StartsWith("250 E19.Contoso.lab Hello", row["data"], StringComparison.Ordinal);
        Assert.Equal("SMTP Receive Protocol Log", row.LogType);
        Assert.Contains("line 1 rejoined with line 2", log.Repairs);
        Assert.Contains("line 1: no #Fields header; read as SmtpReceive protocol-log fields", log.Repairs);
        Assert.Empty(log.Unreadable);
        Assert.False(Assert.Single(ProtocolLogSessions.Read(log.Rows)).StartTlsOffered);
    }

    [Fact]
    public void Rows_whose_line_breaks_were_lost_are_split_and_keep_their_line_number()
    {
        var lines = new[] { string.Join(string.Empty, ArtefactSamples.DfirRows[..3]), string.Join(" ", ArtefactSamples.DfirRows[3..]) };

        var log = TolerantLogReader.Read("paste.txt", lines);

        Assert.Equal(6, log.Rows.Count);
        Assert.Equal([1L, 1, 1, 2, 2, 2], log.Rows.Select(r => r.Line));
        Assert.Contains("line 1: 3 rows run together, split into 3", log.Repairs);
        Assert.Contains("line 2: 3 rows run together, split into 3", log.Repairs);
        Assert.Equal("220 SERVER-HOSTNAME.DOMAIN.TEST Microsoft ESMTP MAIL Service ready at Wed, 11 Jan 2023 16:59:51 +0100", log.Rows[0]["data"]);
        var session = Assert.Single(ProtocolLogSessions.Read(log.Rows));
        Assert.True(session.StartTlsOffered);
        Assert.Equal("12DEABC6565646512346ABDC1345689413589876", session.CertificateSent?.Thumbprint);
    }

    [Fact]
    public void A_row_in_three_pieces_a_trailing_comma_and_a_stray_line_are_each_reported()
    {
        var seed = File.ReadAllLines(Fixture("RECV2017041417-1.LOG")).Where(l => !l.StartsWith('#')).ToArray();
        var subject = seed[1];
        var cut1 = subject.IndexOf("08D479", StringComparison.Ordinal);
        var cut2 = subject.IndexOf(",*,", StringComparison.Ordinal) + 1;
        var lines = new[] { seed[0] + ",", subject[..cut1], subject[cut1..cut2], subject[cut2..], "(output trimmed)", seed[2] };

        var log = TolerantLogReader.Read("paste.txt", lines);

        Assert.Equal(3, log.Rows.Count);
        Assert.Equal([1L, 2, 6], log.Rows.Select(r => r.Line));
        Assert.Equal("CN=SERVER1", log.Rows[1]["data"]);
        Assert.Equal("Certificate subject", log.Rows[1]["context"]);
        Assert.Contains("line 1: trailing comma dropped", log.Repairs);
        Assert.Contains("line 2 rejoined with line 3", log.Repairs);
        Assert.Contains("line 2 rejoined with line 4", log.Repairs);
        Assert.Equal("paste.txt:5: not a log row: '(output trimmed)'", Assert.Single(log.Unreadable));
    }

    [Fact]
    public void A_headerless_tracking_row_cut_short_is_read_with_the_2013_fields_and_the_rest_empty()
    {
        var log = TolerantLogReader.Read("paste.txt", [ArtefactSamples.KtTrackingRow]);

        var row = Assert.Single(log.Rows);
        Assert.Equal("Message Tracking Log", log.LogType);
        Assert.Equal("AGENTINFO", row["event-id"]);
        Assert.Equal("13fad5b7-39c5-46e7-130e-08d4a138ac67", row["network-message-id"]);
        Assert.Equal(string.Empty, row["custom-data"]);
        Assert.Contains("line 1: no #Fields header; read as Exchange 2013 message-tracking fields", log.Repairs);
        Assert.Contains("line 1: 23 of 27 fields; the missing ones read as empty", log.Repairs);
    }

    [Fact]
    public void A_well_formed_log_reads_exactly_as_the_strict_reader_reads_it_with_nothing_repaired()
    {
        var file = Fixture("RECV2017041417-1.LOG");

        var tolerant = TolerantLogReader.Read(file);
        var strict = new ExchangeLogReader().Read(file).ToList();

        Assert.Empty(tolerant.Repairs);
        Assert.Empty(tolerant.Unreadable);
        Assert.Equal(strict.Select(r => (r.Line, string.Join("|", r.Values), r.LogType)), tolerant.Rows.Select(r => (r.Line, string.Join("|", r.Values), r.LogType)));
    }

    [Fact]
    public void The_telnet_dialogue_of_the_docs_gives_banner_keywords_and_STARTTLS_offered()
    {
        var transcript = TranscriptReader.Read("telnet.txt", ArtefactSamples.DocTelnet);

        Assert.StartsWith("220 mail1.fabrikam.com Microsoft ESMTP", transcript.Banner?.Text, StringComparison.Ordinal);
        Assert.Equal(["SIZE", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "X-ANONYMOUSTLS", "AUTH", "X-EXPS", "8BITMIME", "BINARYMIME", "CHUNKING", "XRDST"], transcript.EhloKeywords.Select(k => k.Keyword));
        Assert.Equal("37748736", transcript.EhloKeywords[0].Parameters);
        Assert.Equal(8, transcript.EhloKeywords.Single(k => k.Keyword == "STARTTLS").Source.Line);
        Assert.True(transcript.StartTlsOffered);
        Assert.Null(transcript.StartTlsAccepted);
    }

    [Fact]
    public void An_EHLO_reply_the_next_command_and_its_answer_run_together_are_split()
    {
        var oneLine = string.Join(" ", ArtefactSamples.DocTelnet[2..15]) + " STARTTLS 220 2.0.0 SMTP server ready";

        var transcript = TranscriptReader.Read("paste.txt", [ArtefactSamples.DocTelnet[0], ArtefactSamples.DocTelnet[1], oneLine]);

        Assert.Contains("line 3: 15 replies or commands run together, split into 15", transcript.Repairs);
        Assert.Contains(transcript.EhloKeywords, k => k.Keyword == "STARTTLS");
        Assert.Equal("XRDST", transcript.EhloKeywords[^1].Keyword);
        Assert.Equal("220 2.0.0 SMTP server ready", transcript.StartTlsReply?.Text);
        Assert.True(transcript.StartTlsAccepted);
    }

    [Fact]
    public void Exchanges_one_line_EHLO_without_STARTTLS_and_an_unrecognised_STARTTLS_are_read()
    {
        var ehlo = ArtefactSamples.JpBlogWrappedRow[1].Split(",>,")[1].TrimEnd(',');

        var transcript = TranscriptReader.Read("paste.txt", ["220 E19.Contoso.lab Microsoft ESMTP MAIL Service ready", "EHLO contoso.com", ehlo, "STARTTLS", "500 5.3.3 Unrecognized command"]);

        Assert.Contains(transcript.EhloKeywords, k => k.Keyword == "X-ANONYMOUSTLS");
        Assert.False(transcript.StartTlsOffered);
        Assert.False(transcript.StartTlsAccepted);
        Assert.Equal(5, transcript.StartTlsReply?.Line);
    }

    [Fact]
    public void An_s_client_paste_gives_the_certificate_and_says_STARTTLS_was_not_found()
    {
        var nc = TranscriptReader.Read("nc.txt", ArtefactSamples.CtfNcSession);
        Assert.True(nc.StartTlsOffered);
        Assert.Equal(["SIZE", "STARTTLS", "ENHANCEDSTATUSCODES"], nc.EhloKeywords.Select(k => k.Keyword));

        var sClient = TranscriptReader.Read("s_client.txt", ArtefactSamples.CtfSClient);
        Assert.Equal("C=BE, ST=Vlaams-Brabant, L=Leuven, O=DNS Belgium VZW, CN=mail.juistnuisance.be", sClient.CertificateSubject);
        Assert.Equal(sClient.CertificateSubject, sClient.CertificateIssuer);
        Assert.Equal(10, sClient.CertificateSubjectSource?.Line);
        Assert.Equal(3, sClient.StartTlsNotFound?.Line);
        Assert.False(sClient.StartTlsOffered);
        Assert.Equal("Verify return code: 18 (self-signed certificate)", sClient.VerifyResult?.Text);
    }

    [Fact]
    public void Test_Certificate_output_gives_each_chain_status_with_the_thumbprint_of_the_command()
    {
        var findings = CertificateHealthReader.Read("health.txt", ArtefactSamples.JpBlogTestCertificate);

        Assert.Equal(
            [("CERT_TRUST_IS_REVOKED", CertificateHealth.Revoked), ("CERT_TRUST_IS_UNTRUSTED_ROOT", CertificateHealth.UntrustedRoot), ("CERT_TRUST_REVOCATION_STATUS_UNKNOWN", CertificateHealth.RevocationUnknown),
             ("CERT_TRUST_IS_OFFLINE_REVOCATION", CertificateHealth.RevocationUnknown), ("CRYPT_E_REVOKED", CertificateHealth.Revoked)],
            findings.Select(f => (f.Token, f.Meaning)));
        Assert.All(findings, f => Assert.Equal("886843E0A76558D7209FD3945B62A951FD08ECD8", f.Thumbprint));
        Assert.Equal(7, findings[^1].Source.Line);
    }

    [Fact]
    public void Certutil_verify_gives_partial_chain_and_offline_revocation_tied_to_the_certificate()
    {
        var findings = CertificateHealthReader.Read("certutil.txt", ArtefactSamples.QaLdapsCertutil);

        Assert.Contains(findings, f => f.Token == "CERT_TRUST_IS_PARTIAL_CHAIN" && f.Meaning == CertificateHealth.PartialChain);
        Assert.Contains(findings, f => f.Token == "CERT_E_CHAINING" && f.Meaning == CertificateHealth.PartialChain);
        Assert.Contains(findings, f => f.Token == "Incomplete certificate chain");
        Assert.Contains(findings, f => f.Token == "CRYPT_E_REVOCATION_OFFLINE" && f.Meaning == CertificateHealth.RevocationUnknown);
        Assert.Single(findings, f => f.Source.Line == 20);
        Assert.All(findings, f => Assert.Equal("092EB7929B8EAC83C44C3AE8E71B0034E176C23B", f.Thumbprint));
        Assert.Contains(findings, f => f.Subject == "CN=DC-PRIME.compasshealthcenter.net");
        Assert.DoesNotContain(findings, f => f.Meaning == CertificateHealth.Valid);
    }

    [Fact]
    public void A_passed_revocation_check_a_CAPI2_event_and_Exchange_statuses_are_read()
    {
        Assert.Equal(CertificateHealth.Valid, Assert.Single(CertificateHealthReader.Read("ok.txt", ArtefactSamples.QaIssuingCaCertutil)).Meaning);

        var capi2 = Assert.Single(CertificateHealthReader.Read("capi2.xml", ArtefactSamples.DocsCapi2Event30));
        Assert.Equal((CertificateHealth.PartialChain, "800B010A", "8D68C42C0E1487E33AFCD85B764E514AFC2F8772", "Microsoft Corporation"), (capi2.Meaning, capi2.Token, capi2.Thumbprint, capi2.Subject));

        // The seed dump's shape (synthetic values, Fixtures/seed/README.md): Status comes before Thumbprint in each object.
        var dump = CertificateHealthReader.Read(Fixture("Get-ExchangeCertificate.txt"));
        Assert.Equal([("9876534210FEDCBA9876534210FEDCBA123456789", CertificateHealth.Valid), ("4C0FA622D0D66E777AA123B1AF123456F001AE23", CertificateHealth.Valid)], dump.Select(f => (f.Thumbprint!, f.Meaning)));
        var revoked = CertificateHealthReader.Read("dump.txt", ["Status             : RevocationCheckFailure", "Subject            : CN=mail.contoso.com", "Thumbprint         : 886843E0A76558D7209FD3945B62A951FD08ECD8"]);
        Assert.Equal((CertificateHealth.RevocationUnknown, "CN=mail.contoso.com"), (Assert.Single(revoked).Meaning, revoked[0].Subject));
    }

    [Fact]
    public void A_folder_is_classified_by_content_and_says_why()
    {
        File.WriteAllBytes(Path.Combine(root, "a.png"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]);
        File.WriteAllText(Path.Combine(root, "notes.txt"), "Called the ISP on Monday; they will call back.\n");
        Directory.CreateDirectory(Path.Combine(root, "more"));
        File.WriteAllLines(Path.Combine(root, "more", "paste.txt"), ArtefactSamples.DfirRows);
        File.WriteAllText(Path.Combine(root, "reason.txt"), PublicSamples.S01);
        File.WriteAllLines(Path.Combine(root, "telnet.txt"), ArtefactSamples.DocTelnet);
        File.WriteAllLines(Path.Combine(root, "health.txt"), ArtefactSamples.JpBlogTestCertificate);
        File.WriteAllText(Path.Combine(root, "event.txt"), "Log Name: Application\nSource: MSExchangeFrontEndTransport\nEvent ID: 12014\n" + PublicSamples.S08Event);
        File.WriteAllLines(Path.Combine(root, "tracking.txt"), [ArtefactSamples.KtTrackingRow]);
        File.Copy(Fixture("Get-ExchangeCertificate.txt"), Path.Combine(root, "certs.txt"));
        File.Copy(Fixture("Get-ReceiveConnector.txt"), Path.Combine(root, "connectors.txt"));
        File.Copy(Fixture("RECV2017041417-1.LOG"), Path.Combine(root, "RECV.LOG"));

        var kinds = ArtefactClassifier.ClassifyAll(root).ToDictionary(a => Path.GetFileName(a.File), a => a.Kind);

        Assert.Equal(ArtefactKind.Unusable, kinds["a.png"]);
        Assert.Equal(ArtefactKind.Unusable, kinds["notes.txt"]);
        Assert.Equal(ArtefactKind.SmtpReceiveLog, kinds["paste.txt"]);
        Assert.Equal(ArtefactKind.SmtpReceiveLog, kinds["RECV.LOG"]);
        Assert.Equal(ArtefactKind.MessageTrackingLog, kinds["tracking.txt"]);
        Assert.Equal(ArtefactKind.Reason, kinds["reason.txt"]);
        Assert.Equal(ArtefactKind.Transcript, kinds["telnet.txt"]);
        Assert.Equal(ArtefactKind.CertificateHealth, kinds["health.txt"]);
        Assert.Equal(ArtefactKind.EventText, kinds["event.txt"]);
        Assert.Equal(ArtefactKind.ExchangeCertificateDump, kinds["certs.txt"]);
        Assert.Equal(ArtefactKind.ReceiveConnectorDump, kinds["connectors.txt"]);
    }

    [Fact]
    public void A_folder_of_nothing_usable_says_what_each_file_was()
    {
        File.WriteAllBytes(Path.Combine(root, "a.png"), [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0]);
        File.WriteAllText(Path.Combine(root, "notes.txt"), "Called the ISP on Monday.\n");
        File.WriteAllText(Path.Combine(root, "empty.log"), string.Empty);

        Assert.Equal("read nothing usable: a.png (binary), empty.log (empty), notes.txt (no log rows, no reason, no dump)", ArtefactClassifier.NothingUsable(ArtefactClassifier.ClassifyAll(root)));
    }

    private static readonly Gen<string[]> Pastes = Gen.OneOf(
        Gen.String[0, 300].Array[0, 12],
        Gen.OneOf(new[] { ArtefactSamples.DfirRows, ArtefactSamples.DocTelnet, ArtefactSamples.CtfSClient, ArtefactSamples.JpBlogTestCertificate, ArtefactSamples.QaLdapsCertutil, ArtefactSamples.JpBlogWrappedRow, [ArtefactSamples.KtTrackingRow] }
            .Select(sample => Gen.Int[0, string.Join("\n", sample).Length].Select(n => string.Join("\n", sample)[..n].Split('\n'))).ToArray()),
        Gen.OneOf<string>("2023-01-11T15:59:51.433Z,", ",", "\"", "#Fields: date-time,a", "250-", "250 ", "EHLO x", "STARTTLS", "subject=", "Cert: ", "Status : ", "CERT_TRUST_IS_REVOKED", "0x80092013", " ").Array[0, 20].Select(p => string.Concat(p)).Array[0, 8]);

    [Fact]
    public void Every_reader_takes_any_text_without_an_exception()
    {
        Pastes.Sample(lines =>
        {
            _ = TolerantLogReader.Read("x", lines);
            _ = TranscriptReader.Read("x", lines);
            _ = CertificateHealthReader.Read("x", lines);
            _ = ArtefactClassifier.Classify("x", System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines)));
        }, iter: 1500);
    }

    [Fact]
    public void The_classifier_takes_any_bytes_without_an_exception() =>
        Gen.Byte.Array[0, 2000].Sample(bytes => ArtefactClassifier.Classify("x", bytes), iter: 1500);

    public void Dispose() => Directory.Delete(root, recursive: true);
}
