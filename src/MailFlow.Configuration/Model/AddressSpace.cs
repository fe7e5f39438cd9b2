using MailFlow.Certificates.Names;

namespace MailFlow.Configuration.Model;

/// <summary>A send connector address space: <c>*</c>, <c>contoso.com</c>, <c>*.contoso.com</c>, optionally <c>SMTP:…;cost</c>.</summary>
public sealed record AddressSpace(string Domain, bool IncludesSubdomains, int Cost)
{
    public bool IsEverything => Domain == "*";

    public static bool TryParse(string? text, out AddressSpace? space, out string? error)
    {
        space = null;
        error = null;
        var value = text?.Trim() ?? string.Empty;
        if (value.StartsWith("SMTP:", StringComparison.OrdinalIgnoreCase))
        {
            value = value[5..];
        }

        var cost = 1;
        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        if (semicolon >= 0)
        {
            if (!int.TryParse(value[(semicolon + 1)..], out cost) || cost is < 1 or > 100)
            {
                error = $"\"{text}\" has a cost that is not 1–100";
                return false;
            }

            value = value[..semicolon];
        }

        if (value == "*")
        {
            space = new AddressSpace("*", true, cost);
            return true;
        }

        var subdomains = value.StartsWith("*.", StringComparison.Ordinal);
        if (!DnsNames.TryNormalizeReference(subdomains ? value[2..] : value, out var domain, out _) || domain.Contains('*', StringComparison.Ordinal))
        {
            error = $"\"{text}\" is not an address space (\"*\", \"contoso.com\" or \"*.contoso.com\")";
            return false;
        }

        space = new AddressSpace(domain, subdomains, cost);
        return true;
    }
}
