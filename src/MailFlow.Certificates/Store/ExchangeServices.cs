namespace MailFlow.Certificates.Store;

/// <summary>
/// The services a certificate is enabled for (Enable-ExchangeCertificate -Services). The values follow
/// Exchange's AllowedServices so that combinations render in Exchange's order: "IMAP, POP, IIS, SMTP".
/// </summary>
[Flags]
public enum ExchangeServices
{
    None = 0,
    IMAP = 1,
    POP = 2,
    UM = 4,
    IIS = 8,
    SMTP = 16,
    Federation = 32,
    UMCallRouter = 64,
}

public static class ExchangeServicesText
{
    /// <summary>Parses "SMTP", "IMAP, POP, SMTP" or "smtp,iis" (any case, comma or space separated).</summary>
    public static bool TryParse(string? text, out ExchangeServices services, out string? error)
    {
        services = ExchangeServices.None;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "no service named (use e.g. SMTP or \"IMAP, POP, SMTP\")";
            return false;
        }

        foreach (var part in text.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Enum.TryParse<ExchangeServices>(part, ignoreCase: true, out var one) || int.TryParse(part, out _))
            {
                error = $"\"{part}\" is not a service; valid: {string.Join(", ", Enum.GetNames<ExchangeServices>())}";
                return false;
            }

            services |= one;
        }

        return true;
    }

    /// <summary>Exchange's rendering: "IMAP, POP, SMTP", or "None".</summary>
    public static string Format(ExchangeServices services) => services.ToString();
}
