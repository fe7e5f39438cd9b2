using System.Security.Cryptography.X509Certificates;

namespace MailFlow.Certificates.Trust;

/// <summary>How revocation is checked when a chain is built.</summary>
public enum RevocationCheck
{
    /// <summary>No revocation check (the default; see docs/decisions/0004-outbound-validation.md).</summary>
    None,

    /// <summary>Use cached CRLs only.</summary>
    Offline,

    /// <summary>Fetch CRLs/OCSP; a certificate without reachable revocation data then fails.</summary>
    Online,
}

/// <summary>The chain-building verdict for one presented certificate.</summary>
public sealed record ChainReport(
    bool IsTrusted,
    X509ChainStatusFlags Problems,
    IReadOnlyList<ChainElementReport> Elements,
    bool EndsInSystemRoot,
    bool EndsInAdditionalRoot)
{
    public bool IsIncomplete => Problems.HasFlag(X509ChainStatusFlags.PartialChain);

    public bool IsUntrustedRoot => Problems.HasFlag(X509ChainStatusFlags.UntrustedRoot);

    public bool IsTimeInvalid => Problems.HasFlag(X509ChainStatusFlags.NotTimeValid);

    public bool IsRevoked => Problems.HasFlag(X509ChainStatusFlags.Revoked);

    /// <summary>"PartialChain, NotTimeValid", or "OK".</summary>
    public string Describe() => Problems == X509ChainStatusFlags.NoError ? "OK" : Problems.ToString();
}

public sealed record ChainElementReport(string Subject, string Issuer, string Thumbprint, DateTime NotBeforeUtc, DateTime NotAfterUtc, X509ChainStatusFlags Problems);

/// <summary>Builds a chain from the presented certificates to our trust anchors, offline.</summary>
public static class ChainEvaluator
{
    public static ChainReport Evaluate(
        X509Certificate2 leaf,
        IEnumerable<X509Certificate2> presentedIntermediates,
        TrustAnchors anchors,
        DateTimeOffset verificationTime,
        RevocationCheck revocation = RevocationCheck.None)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(presentedIntermediates);
        ArgumentNullException.ThrowIfNull(anchors);
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        var presented = presentedIntermediates.Where(i => !string.Equals(i.Thumbprint, leaf.Thumbprint, StringComparison.OrdinalIgnoreCase)).ToList();
        policy.CustomTrustStore.AddRange(anchors.IssuersOf(presented.Prepend(leaf)));
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = verificationTime.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        policy.RevocationMode = revocation switch
        {
            RevocationCheck.Online => X509RevocationMode.Online,
            RevocationCheck.Offline => X509RevocationMode.Offline,
            _ => X509RevocationMode.NoCheck,
        };
        policy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        policy.ExtraStore.AddRange(presented.ToArray());

        var trusted = chain.Build(leaf);
        var problems = X509ChainStatusFlags.NoError;
        foreach (var status in chain.ChainStatus)
        {
            problems |= status.Status;
        }

        var elements = new List<ChainElementReport>();
        foreach (var element in chain.ChainElements)
        {
            var flags = X509ChainStatusFlags.NoError;
            foreach (var status in element.ChainElementStatus)
            {
                flags |= status.Status;
            }

            var c = element.Certificate;
            elements.Add(new ChainElementReport(c.Subject, c.Issuer, c.Thumbprint, c.NotBefore.ToUniversalTime(), c.NotAfter.ToUniversalTime(), flags));
        }

        var top = chain.ChainElements.Count > 0 ? chain.ChainElements[^1].Certificate : null;
        var endsInSystem = top is not null && anchors.IsSystemRoot(top) && !problems.HasFlag(X509ChainStatusFlags.PartialChain);
        var endsInAdditional = top is not null && anchors.IsAdditionalRoot(top) && !problems.HasFlag(X509ChainStatusFlags.PartialChain);
        return new ChainReport(trusted, problems, elements, endsInSystem, endsInAdditional);
    }
}
