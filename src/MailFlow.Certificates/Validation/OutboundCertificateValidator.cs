using System.Security.Cryptography.X509Certificates;
using MailFlow.Certificates.Names;
using MailFlow.Certificates.Trust;

namespace MailFlow.Certificates.Validation;

/// <summary>What the sender requires of the receiver's certificate.</summary>
/// <param name="Level">EncryptionOnly, CertificateValidation or DomainValidation.</param>
/// <param name="TlsDomain">Exchange's TlsDomain (may be <c>*.contoso.com</c>); with DomainValidation and no TlsDomain the recipient domain is expected.</param>
/// <param name="RecipientDomain">The recipient's domain, used when TlsDomain is empty.</param>
public sealed record OutboundValidationRequest(TlsAuthLevel Level, string? TlsDomain = null, string? RecipientDomain = null)
{
    public NameMatchProfile NameProfile { get; init; } = NameMatchProfile.Exchange;

    public RevocationCheck Revocation { get; init; } = RevocationCheck.None;
}

/// <summary>
/// Validates a receiver's certificate as an Exchange (Online) sender does. Chains are built offline
/// (no AIA fetching, as Exchange Online) against <see cref="TrustAnchors"/>; names are matched by our
/// own <see cref="CertificateNameMatcher"/>, never by the platform's checks.
/// </summary>
public static class OutboundCertificateValidator
{
    public static OutboundValidationOutcome Validate(
        X509Certificate2 leaf,
        IReadOnlyList<X509Certificate2> presentedIntermediates,
        OutboundValidationRequest request,
        TrustAnchors anchors,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(presentedIntermediates);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(anchors);

        var chain = ChainEvaluator.Evaluate(leaf, presentedIntermediates, anchors, now, request.Revocation);
        var presented = PresentedIdentifiers.From(leaf);
        var failures = new List<TlsValidationFailure>();
        NameMatchResult? nameMatch = null;
        string? expectedName = null;

        if (request.Level == TlsAuthLevel.DomainValidation)
        {
            expectedName = string.IsNullOrWhiteSpace(request.TlsDomain) ? request.RecipientDomain : request.TlsDomain;
            if (string.IsNullOrWhiteSpace(expectedName))
            {
                throw new ArgumentException("DomainValidation needs a TlsDomain or a recipient domain", nameof(request));
            }

            if (!ReferenceIdentifier.TryParse(expectedName, allowSubdomainPattern: true, out var reference, out var error))
            {
                throw new ArgumentException($"expected name \"{expectedName}\" is not valid: {error}", nameof(request));
            }

            nameMatch = CertificateNameMatcher.Match(reference!, presented, request.NameProfile);
            if (!nameMatch.IsMatch)
            {
                var names = presented.DnsNames.Count > 0 ? string.Join(", ", presented.DnsNames) : "(no SAN)";
                failures.Add(new TlsValidationFailure(ExchangeTlsToken.SubjectMismatch,
                    $"expected {expectedName}; the certificate names CN {string.Join("/", presented.CommonNames)} and SAN {names}"));
            }
        }

        if (request.Level != TlsAuthLevel.EncryptionOnly)
        {
            failures.AddRange(ChainFailures(chain));
        }

        bool? expired = now.UtcDateTime > leaf.NotAfter.ToUniversalTime() ? true
            : now.UtcDateTime < leaf.NotBefore.ToUniversalTime() ? false
            : null;

        return new OutboundValidationOutcome
        {
            Level = request.Level,
            Failures = failures,
            ExpectedName = expectedName,
            PresentedSubject = leaf.Subject,
            PresentedIssuer = leaf.Issuer,
            Thumbprint = leaf.Thumbprint,
            PresentedNames = presented.DnsNames,
            NameMatch = nameMatch,
            Chain = chain,
            Expired = expired,
        };
    }

    private static IEnumerable<TlsValidationFailure> ChainFailures(ChainReport chain)
    {
        if (chain.IsTrusted)
        {
            yield break;
        }

        var problems = chain.Problems;
        if (problems.HasFlag(X509ChainStatusFlags.PartialChain))
        {
            yield return new TlsValidationFailure(ExchangeTlsToken.UntrustedRoot,
                "the chain is incomplete: the server did not send the intermediate certificate(s) and they are not fetched");
        }
        else if (problems.HasFlag(X509ChainStatusFlags.UntrustedRoot))
        {
            yield return new TlsValidationFailure(ExchangeTlsToken.UntrustedRoot,
                $"the chain ends in {chain.Elements[^1].Subject}, which is not a trusted root");
        }

        if (problems.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            var bad = chain.Elements.First(e => e.Problems.HasFlag(X509ChainStatusFlags.NotTimeValid));
            yield return new TlsValidationFailure(ExchangeTlsToken.NotTimeValid,
                $"{bad.Subject} is valid from {bad.NotBeforeUtc:u} to {bad.NotAfterUtc:u}");
        }

        if (problems.HasFlag(X509ChainStatusFlags.Revoked))
        {
            yield return new TlsValidationFailure(ExchangeTlsToken.Revoked, "a certificate in the chain is revoked");
        }

        if (problems.HasFlag(X509ChainStatusFlags.RevocationStatusUnknown) || problems.HasFlag(X509ChainStatusFlags.OfflineRevocation))
        {
            yield return new TlsValidationFailure(ExchangeTlsToken.RevocationStatusUnknown, "revocation status could not be determined");
        }

        if (problems.HasFlag(X509ChainStatusFlags.NotSignatureValid))
        {
            yield return new TlsValidationFailure(ExchangeTlsToken.NotSignatureValid, "a signature in the chain does not verify");
        }

        const X509ChainStatusFlags handled = X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.NotTimeValid
            | X509ChainStatusFlags.Revoked | X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation | X509ChainStatusFlags.NotSignatureValid;
        var other = problems & ~handled;
        if (other != X509ChainStatusFlags.NoError)
        {
            yield return new TlsValidationFailure(ExchangeTlsToken.ChainInvalid, other.ToString());
        }
    }
}
