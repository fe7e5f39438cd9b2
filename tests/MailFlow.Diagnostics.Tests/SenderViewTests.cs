using MailFlow.Diagnostics.Artefacts;
using MailFlow.Diagnostics.Context;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Diagnostics.Tests;

/// <summary>The sender's view of a server — SmtpSend logs and pasted transcripts — judged as the receiving server's answers.</summary>
public sealed class SenderViewTests
{
    [Fact]
    public void A_pasted_transcript_with_X_runs_and_starttls_refused_is_smtp_inspection()
    {
        using var work = new TemporaryFolder();
        var file = Path.Combine(work.Path, "paste.txt");
        // Corpus 028 (nibbler.de, 2007): the quote lost every line break.
        File.WriteAllText(file, "250-PIPELINING250-XXXXXXXA250 XXXBstarttls500 unrecognized commandquit\n");

        var seen = ServerObservation.Of(TranscriptReader.Read(file));
        Assert.NotNull(seen);
        Assert.Contains("XXXXXXXA", seen!.MaskedKeywords);

        var diagnosis = Diagnoser.Run(new DiagnosisRequest { Evidence = [file] });
        var top = diagnosis.Findings[0];
        Assert.Equal("RC11", top.RootCause);
        Assert.Equal(Confidence.High, top.Confidence);
        Assert.Contains(top.Evidence, e => e.Says.Contains("XXXXXXXA", StringComparison.Ordinal));
    }
}
