namespace MailFlow.Lab.Scenarios;

/// <summary>The article: Default Frontend has no TlsCertificateName, so SERVER1 presents its self-signed CN=SERVER1.</summary>
public sealed class HybridScenario : LabScenario
{
    /// <summary>The article's three lines as published (typographic quotes included); only the thumbprint is the lab's.</summary>
    public const string ArticleLines = """
        $tlscert=Get-ExchangeCertificate 4C0FA622D0D66E777AA123B1AF123456F001AE23
        $tlscertname=”<I>$($TLScert.Issuer)<S>$($TLSCert.Subject)”
        Get-ReceiveConnector “SERVER1\Default Frontend SERVER1” | Set-ReceiveConnector -TlsCertificateName $tlscertname
        """;

    public override string Name => "hybrid";

    public override string Title => "the article: TlsCertificateName empty, SERVER1 presents its self-signed CN=SERVER1 (450 4.7.320 SubjectMismatch)";

    public override string RootCause => "RC01";

    public override IReadOnlyList<string> Break(LabWorld world) =>
        [$"{world.Server1.FrontendIdentity} has TlsCertificateName empty; the CA-issued {LabWorld.HybridName} certificate {world.HybridThumbprint} is installed and SMTP-enabled but named by no connector"];

    public override async Task<IReadOnlyList<string>> FixAsync(LabWorld world, LabShell shell, CancellationToken cancellationToken)
    {
        var lines = ArticleLines.Replace("4C0FA622D0D66E777AA123B1AF123456F001AE23", world.HybridThumbprint, StringComparison.Ordinal);
        if (shell.Available)
        {
            await shell.RunAsync(world.Server1, lines, cancellationToken);
            return ["pwsh (Import-Module MailFlow):", .. lines.Split('\n')];
        }

        return [SetTlsCertificateName(world.Server1, world.HybridThumbprint)];
    }
}
