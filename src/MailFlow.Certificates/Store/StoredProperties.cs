namespace MailFlow.Certificates.Store;

/// <summary>A certificate folder's properties.json: what Exchange keeps beside the certificate rather than in it.</summary>
internal sealed record StoredProperties(ExchangeServices Services, string? FriendlyName);
