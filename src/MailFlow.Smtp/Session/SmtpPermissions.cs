using MailFlow.Configuration.Model;

namespace MailFlow.Smtp.Session;

/// <summary>The Exchange extended rights a session holds (DOC-RC permission table), in the names Exchange logs.</summary>
[Flags]
public enum SmtpPermissions
{
    None = 0,

    /// <summary>ms-Exch-SMTP-Submit: may send mail at all.</summary>
    SMTPSubmit = 1,

    /// <summary>ms-Exch-SMTP-Accept-Any-Sender.</summary>
    SMTPAcceptAnySender = 2,

    /// <summary>ms-Exch-SMTP-Accept-Authoritative-Domain-Sender.</summary>
    SMTPAcceptAuthoritativeDomainSender = 4,

    /// <summary>ms-Exch-SMTP-Accept-Any-Recipient: relay to domains that are not accepted.</summary>
    SMTPAcceptAnyRecipient = 8,

    /// <summary>ms-Exch-Accept-Headers-Routing.</summary>
    AcceptRoutingHeaders = 16,
}

public static class PermissionGroupRights
{
    /// <summary>
    /// Rights granted by a connector's PermissionGroups to an anonymous or an authenticated client.
    /// Only authenticated ExchangeUsers and ExchangeServers may relay: no open relay by construction.
    /// </summary>
    public static SmtpPermissions For(PermissionGroups groups, bool authenticated)
    {
        var rights = SmtpPermissions.None;
        if (groups.HasFlag(PermissionGroups.AnonymousUsers))
        {
            rights |= SmtpPermissions.SMTPSubmit | SmtpPermissions.SMTPAcceptAnySender | SmtpPermissions.SMTPAcceptAuthoritativeDomainSender | SmtpPermissions.AcceptRoutingHeaders;
        }

        if (authenticated && groups.HasFlag(PermissionGroups.ExchangeUsers))
        {
            rights |= SmtpPermissions.SMTPSubmit | SmtpPermissions.SMTPAcceptAnyRecipient | SmtpPermissions.SMTPAcceptAnySender
                | SmtpPermissions.SMTPAcceptAuthoritativeDomainSender | SmtpPermissions.AcceptRoutingHeaders;
        }

        if (authenticated && (groups.HasFlag(PermissionGroups.ExchangeServers) || groups.HasFlag(PermissionGroups.ExchangeLegacyServers)))
        {
            rights |= SmtpPermissions.SMTPSubmit | SmtpPermissions.SMTPAcceptAnyRecipient | SmtpPermissions.SMTPAcceptAnySender
                | SmtpPermissions.SMTPAcceptAuthoritativeDomainSender | SmtpPermissions.AcceptRoutingHeaders;
        }

        return rights;
    }

    /// <summary>As the protocol log's "Set Session Permissions" line writes them.</summary>
    public static string Describe(SmtpPermissions rights) =>
        rights == SmtpPermissions.None ? "None" : rights.ToString().Replace(",", string.Empty, StringComparison.Ordinal);
}
