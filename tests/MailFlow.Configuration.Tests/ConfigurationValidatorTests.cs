using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Validation;

namespace MailFlow.Configuration.Tests;

/// <summary>The rules the Exchange cmdlets enforce, one fact each.</summary>
public sealed class ConfigurationValidatorTests
{
    private static MailFlowConfiguration Base() => ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");

    private static void AddMailbox(MailFlowConfiguration configuration, string address, string? name = null) =>
        configuration.Mailboxes.Add(new Mailbox { Name = name ?? address, PrimarySmtpAddress = address });

    [Fact]
    public void Mailboxes_in_authoritative_domains_and_a_catch_all_naming_one_are_valid()
    {
        var configuration = Base();
        configuration.AcceptedDomains.Add(new AcceptedDomain { Name = "subs", DomainName = "*.contoso.test" });
        AddMailbox(configuration, "user@domain.com");
        AddMailbox(configuration, "o'brien+tag@eu.contoso.test");
        configuration.AcceptedDomains[0].CatchAllMailbox = "USER@domain.com";
        configuration.AcceptedDomains[1].CatchAllMailbox = "postmaster@domain.com";

        Assert.DoesNotContain(ConfigurationValidator.Validate(configuration), i => i.Severity == IssueSeverity.Error);
    }

    public static TheoryData<string, Action<MailFlowConfiguration>, string> Violations => new()
    {
        { "$.ReceiveConnectors[0].AuthMechanism", c => c.ReceiveConnectors[0].AuthMechanism = AuthMechanisms.BasicAuth | AuthMechanisms.BasicAuthRequireTLS, "BasicAuthRequireTLS also requires BasicAuth and Tls" },
        { "$.ReceiveConnectors[0].AuthMechanism", c => c.ReceiveConnectors[0].AuthMechanism = AuthMechanisms.ExternalAuthoritative | AuthMechanisms.BasicAuth, "only be combined with Tls" },
        { "$.ReceiveConnectors[1].PermissionGroups", c => c.ReceiveConnectors[1].AuthMechanism = AuthMechanisms.ExternalAuthoritative | AuthMechanisms.Tls, "requires the ExchangeServers permission group" },
        { "$.ReceiveConnectors[0].RequireTLS", c => { c.ReceiveConnectors[0].AuthMechanism = AuthMechanisms.None; c.ReceiveConnectors[0].RequireTLS = true; }, "RequireTLS needs Tls" },
        { "$.ReceiveConnectors[0].TlsCertificateName", c => c.ReceiveConnectors[0].TlsCertificateName = "CN=SERVER1", "is not valid" },
        { "$.ReceiveConnectors[0].TlsDomainCapabilities", c => c.ReceiveConnectors[0].TlsDomainCapabilities = ["mail.protection.outlook.com"], "\"mail.protection.outlook.com\" is not domain:Capability" },
        { "$.ReceiveConnectors[0].TlsDomainCapabilities", c => c.ReceiveConnectors[0].TlsDomainCapabilities = ["mail.protection.outlook.com:AcceptCloudMail"], "\"AcceptCloudMail\" is not a capability; expected one or more of AcceptCloudServicesMail, AcceptOorgProtocol, AcceptOorgHeader" },
        { "$.ReceiveConnectors[0].TlsDomainCapabilities", c => c.ReceiveConnectors[0].TlsDomainCapabilities = ["mail*.outlook.com:AcceptCloudServicesMail"], "wildcard" },
        { "$.ReceiveConnectors[0].TlsDomainCapabilities", c => c.ReceiveConnectors[0].TlsDomainCapabilities = ["10.0.0.1:AcceptCloudServicesMail"], "\"10.0.0.1\" is an address" },
        { "$.ReceiveConnectors[0].TlsDomainCapabilities", c => c.ReceiveConnectors[0].TlsDomainCapabilities = ["contoso.com:"], "names no capability" },
        { "$.ReceiveConnectors[0].TlsDomainCapabilities", c => c.ReceiveConnectors[0].TlsDomainCapabilities = ["contoso.com:AcceptOorgProtocol", "CONTOSO.com:AcceptOorgHeader"], "appears in 2 entries" },
        { "$.ReceiveConnectors[0].MaxMessageSize", c => c.ReceiveConnectors[0].MaxMessageSize = 100, "out of range (65536–2147483647)" },
        { "$.ReceiveConnectors[0].ConnectionInactivityTimeout", c => c.ReceiveConnectors[0].ConnectionInactivityTimeout = TimeSpan.FromMinutes(20), "must be less than ConnectionTimeout" },
        { "$.ReceiveConnectors[0].Bindings[0]", c => c.ReceiveConnectors[0].Bindings[0] = "0.0.0.0:99999", "is not an address:port binding" },
        { "$.ReceiveConnectors[0].RemoteIPRanges[0]", c => c.ReceiveConnectors[0].RemoteIPRanges[0] = "10.0.0.0/40", "prefix length" },
        { "$.ReceiveConnectors", c => c.ReceiveConnectors[1].Name = c.ReceiveConnectors[0].Name.ToUpperInvariant(), "appears 2 times" },
        { "$.ReceiveConnectors[0].Fqdn", c => c.ReceiveConnectors[0].Fqdn = "bad..name", "empty label" },
        { "$.SendConnectors[0].TlsAuthLevel", c => c.SendConnectors.Add(new SendConnector { Name = "Out", AddressSpaces = ["*"], TlsAuthLevel = TlsAuthLevel.DomainValidation }), "only be set when RequireTLS is $true" },
        { "$.SendConnectors[0].TlsDomain", c => c.SendConnectors.Add(new SendConnector { Name = "Out", AddressSpaces = ["*"], RequireTLS = true, TlsAuthLevel = TlsAuthLevel.CertificateValidation, TlsDomain = "x.com" }), "only be set when TlsAuthLevel is DomainValidation" },
        { "$.SendConnectors[0].TlsDomain", c => c.SendConnectors.Add(new SendConnector { Name = "Out", AddressSpaces = ["*"], RequireTLS = true, TlsAuthLevel = TlsAuthLevel.DomainValidation, TlsDomain = "mail*.x.com" }), "wildcard" },
        { "$.SendConnectors[0].SmartHosts", c => c.SendConnectors.Add(new SendConnector { Name = "Out", AddressSpaces = ["*"], SmartHosts = ["relay.x.com"] }), "require DNSRoutingEnabled $false" },
        { "$.SendConnectors[0].SmartHosts", c => c.SendConnectors.Add(new SendConnector { Name = "Out", AddressSpaces = ["*"], DNSRoutingEnabled = false }), "at least one smart host" },
        { "$.SendConnectors[0].AddressSpaces[0]", c => c.SendConnectors.Add(new SendConnector { Name = "Out", AddressSpaces = ["SMTP:x.com;500"] }), "cost" },
        { "$.Transport.MessageExpirationTimeout", c => c.Transport.MessageExpirationTimeout = TimeSpan.FromDays(91), "out of range" },
        { "$.Transport.TransientFailureRetryCount", c => c.Transport.TransientFailureRetryCount = 16, "out of range (0–15)" },
        { "$.AcceptedDomains", c => c.AcceptedDomains.Add(new AcceptedDomain { Name = "again", DomainName = "DOMAIN.com" }), "appears 2 times" },
        { "$.Server.Name", c => c.Server.Name = "SERVER 1", "is not a server name" },
        { "$.SchemaVersion", c => c.SchemaVersion = 7, "not supported" },
        { "$.HostsOverride.hybrid.domain.com", c => c.HostsOverride["hybrid.domain.com"] = "localhost", "is not an IP address" },
        { "$.Metrics.OtlpEndpoint", c => c.Metrics.OtlpEndpoint = "127.0.0.1:4318", "\"127.0.0.1:4318\" is not an http:// or https:// URL of an OTLP/HTTP collector" },
        { "$.Metrics.OtlpEndpoint", c => c.Metrics.OtlpEndpoint = "grpc://collector:4317", "is not an http:// or https:// URL" },
        { "$.Metrics.OtlpEndpoint", c => c.Metrics.OtlpEndpoint = "http://user:secret@collector:4318", "without query, fragment or credentials" },
        { "$.Mailboxes[0].PrimarySmtpAddress", c => AddMailbox(c, "victim%relay-victim.invalid@domain.com"), "\"victim%relay-victim.invalid@domain.com\" is not a mailbox address: the local part contains '%'" },
        { "$.Mailboxes[0].PrimarySmtpAddress", c => AddMailbox(c, "\"victim@relay-victim.invalid\"@domain.com"), "the local part contains '@' inside the local part" },
        { "$.Mailboxes[0].PrimarySmtpAddress", c => AddMailbox(c, "\"john doe\"@domain.com"), "is not a dot-atom" },
        { "$.Mailboxes[0].PrimarySmtpAddress", c => AddMailbox(c, "user@"), "\"user@\" is not a mailbox address" },
        { "$.Mailboxes", c => { AddMailbox(c, "user@domain.com"); AddMailbox(c, "User@DOMAIN.com", "other"); }, "mailbox address \"user@domain.com\" appears 2 times" },
        { "$.Mailboxes", c => { AddMailbox(c, "a@domain.com", "Same"); AddMailbox(c, "b@domain.com", "same"); }, "mailbox name \"Same\" appears 2 times" },
        { "$.Mailboxes[0].PrimarySmtpAddress", c => AddMailbox(c, "user@elsewhere.test"), "elsewhere.test is not an accepted domain (accepted: domain.com)" },
        { "$.Mailboxes[0].PrimarySmtpAddress", c => { c.AcceptedDomains.Add(new AcceptedDomain { Name = "relay", DomainName = "relay.test", DomainType = AcceptedDomainType.InternalRelay }); AddMailbox(c, "user@relay.test"); }, "accepted domain relay.test is InternalRelay; mailboxes exist only in Authoritative domains" },
        { "$.Mailboxes[0].Name", c => AddMailbox(c, "user@domain.com", " "), "is empty" },
        { "$.AcceptedDomains[0].CatchAllMailbox", c => c.AcceptedDomains[0].CatchAllMailbox = "nobody@domain.com", "\"nobody@domain.com\" is not an existing mailbox" },
        { "$.AcceptedDomains[1].CatchAllMailbox", c => { AddMailbox(c, "user@domain.com"); c.AcceptedDomains.Add(new AcceptedDomain { Name = "relay", DomainName = "relay.test", DomainType = AcceptedDomainType.ExternalRelay, CatchAllMailbox = "user@domain.com" }); }, "relay.test is ExternalRelay: only an Authoritative domain delivers locally" },
        { "$.RecipientFilter.Recipients", c => c.RecipientFilter.Recipients = ["user@domain.com"], "is replaced by Mailboxes" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Each_rule_names_the_path_and_the_problem(string path, Action<MailFlowConfiguration> breakIt, string message)
    {
        var configuration = Base();
        breakIt(configuration);

        var errors = ConfigurationValidator.Validate(configuration).Where(i => i.Severity == IssueSeverity.Error).ToList();

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void TlsDomainCapabilities_takes_Exchanges_entries_wildcard_domains_and_NO_TLS()
    {
        var configuration = Base();
        configuration.ReceiveConnectors[0].TlsDomainCapabilities =
            ["mail.protection.outlook.com:AcceptCloudServicesMail", "*.contoso.com:AcceptOorgProtocol,AcceptOorgHeader", "NO-TLS:AcceptOorgHeader"];

        Assert.DoesNotContain(ConfigurationValidator.Validate(configuration), i => i.Path.EndsWith("TlsDomainCapabilities", StringComparison.Ordinal));
    }

    [Fact]
    public void TlsDomainCapabilities_regroups_split_tokens_into_entries()
    {
        Assert.True(TlsDomainCapabilities.TryGroup(["fabrikam.com:acceptoorgprotocol", "AcceptOorgHeader", "no-tls:AcceptOorgHeader"], out var entries, out var error), error);

        Assert.Equal(["fabrikam.com:AcceptOorgProtocol,AcceptOorgHeader", "NO-TLS:AcceptOorgHeader"], entries);
    }

    [Fact]
    public void Two_connectors_on_one_binding_need_nested_not_identical_or_crossing_ranges()
    {
        var configuration = Base();
        var partner = new ReceiveConnector
        {
            Name = "Partner",
            Bindings = ["0.0.0.0:25"],
            RemoteIPRanges = ["192.168.1.0/24"],
            ConnectionTimeout = TimeSpan.FromMinutes(10),
        };
        configuration.ReceiveConnectors.Add(partner);
        Assert.DoesNotContain(ConfigurationValidator.Validate(configuration), i => i.Severity == IssueSeverity.Error);

        partner.RemoteIPRanges = ["0.0.0.0-255.255.255.255"];
        Assert.Contains(ConfigurationValidator.Validate(configuration), i => i.Message.Contains("cannot be told apart", StringComparison.Ordinal));

        configuration.ReceiveConnectors[0].RemoteIPRanges = ["10.0.0.0-10.0.0.100"];
        partner.RemoteIPRanges = ["10.0.0.50-10.0.0.200"];
        Assert.Contains(ConfigurationValidator.Validate(configuration), i => i.Message.Contains("without one containing the other", StringComparison.Ordinal));
    }

    [Fact]
    public void A_short_delay_notification_timeout_is_a_warning_not_an_error()
    {
        var configuration = Base();
        configuration.Transport.DelayNotificationTimeout = TimeSpan.FromMinutes(20);

        var issue = Assert.Single(ConfigurationValidator.Validate(configuration));

        Assert.Equal(IssueSeverity.Warning, issue.Severity);
    }
}
