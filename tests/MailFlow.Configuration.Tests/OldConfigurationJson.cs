namespace MailFlow.Configuration.Tests;

/// <summary>
/// config.json exactly as <c>mailflow init</c> wrote it (then <c>mailbox add carol@vm</c>) with the
/// reflection-based serializer, before ConfigurationJson moved to source-generated System.Text.Json.
/// </summary>
internal static class OldConfigurationJson
{
    public const string InitDefaults = """
        {
          "SchemaVersion": 1,
          "Revision": 2,
          "Server": {
            "Name": "VM",
            "Fqdn": "vm",
            "ExchangeVersion": "Exchange2016"
          },
          "AcceptedDomains": [
            {
              "Name": "vm",
              "DomainName": "vm",
              "DomainType": "Authoritative",
              "Default": true,
              "CatchAllMailbox": null
            }
          ],
          "ReceiveConnectors": [
            {
              "Name": "Default Frontend VM",
              "TransportRole": "FrontendTransport",
              "Enabled": true,
              "Bindings": [
                "[::]:25",
                "0.0.0.0:25"
              ],
              "RemoteIPRanges": [
                "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "0.0.0.0-255.255.255.255"
              ],
              "Fqdn": "vm",
              "Banner": null,
              "AuthMechanism": "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
              "PermissionGroups": "AnonymousUsers, ExchangeServers, ExchangeLegacyServers",
              "RequireTLS": false,
              "TlsCertificateName": null,
              "TlsDomainCapabilities": [],
              "MaxMessageSize": 37748736,
              "MaxRecipientsPerMessage": 200,
              "ConnectionTimeout": "00:10:00",
              "ConnectionInactivityTimeout": "00:05:00",
              "MaxInboundConnection": 5000,
              "MaxInboundConnectionPerSource": 20,
              "ProtocolLoggingLevel": "Verbose",
              "MaxProtocolErrors": 5,
              "MaxLogonFailures": 3,
              "AuthTarpitInterval": "00:00:05",
              "TarpitInterval": "00:00:05",
              "MaxHopCount": 60,
              "ImplicitTls": false
            },
            {
              "Name": "Client Frontend VM",
              "TransportRole": "FrontendTransport",
              "Enabled": true,
              "Bindings": [
                "[::]:587",
                "0.0.0.0:587"
              ],
              "RemoteIPRanges": [
                "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "0.0.0.0-255.255.255.255"
              ],
              "Fqdn": "vm",
              "Banner": null,
              "AuthMechanism": "Tls, Integrated, BasicAuth, BasicAuthRequireTLS",
              "PermissionGroups": "ExchangeUsers",
              "RequireTLS": false,
              "TlsCertificateName": null,
              "TlsDomainCapabilities": [],
              "MaxMessageSize": 37748736,
              "MaxRecipientsPerMessage": 200,
              "ConnectionTimeout": "00:10:00",
              "ConnectionInactivityTimeout": "00:05:00",
              "MaxInboundConnection": 5000,
              "MaxInboundConnectionPerSource": 20,
              "ProtocolLoggingLevel": "None",
              "MaxProtocolErrors": 5,
              "MaxLogonFailures": 3,
              "AuthTarpitInterval": "00:00:05",
              "TarpitInterval": "00:00:05",
              "MaxHopCount": 60,
              "ImplicitTls": false
            },
            {
              "Name": "Outbound Proxy Frontend VM",
              "TransportRole": "FrontendTransport",
              "Enabled": true,
              "Bindings": [
                "[::]:717",
                "0.0.0.0:717"
              ],
              "RemoteIPRanges": [
                "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "0.0.0.0-255.255.255.255"
              ],
              "Fqdn": "vm",
              "Banner": null,
              "AuthMechanism": "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
              "PermissionGroups": "ExchangeServers",
              "RequireTLS": false,
              "TlsCertificateName": null,
              "TlsDomainCapabilities": [],
              "MaxMessageSize": 37748736,
              "MaxRecipientsPerMessage": 200,
              "ConnectionTimeout": "00:10:00",
              "ConnectionInactivityTimeout": "00:05:00",
              "MaxInboundConnection": 5000,
              "MaxInboundConnectionPerSource": 20,
              "ProtocolLoggingLevel": "None",
              "MaxProtocolErrors": 5,
              "MaxLogonFailures": 3,
              "AuthTarpitInterval": "00:00:05",
              "TarpitInterval": "00:00:05",
              "MaxHopCount": 60,
              "ImplicitTls": false
            },
            {
              "Name": "Default VM",
              "TransportRole": "HubTransport",
              "Enabled": true,
              "Bindings": [
                "[::]:2525",
                "0.0.0.0:2525"
              ],
              "RemoteIPRanges": [
                "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "0.0.0.0-255.255.255.255"
              ],
              "Fqdn": "vm",
              "Banner": null,
              "AuthMechanism": "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
              "PermissionGroups": "ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
              "RequireTLS": false,
              "TlsCertificateName": null,
              "TlsDomainCapabilities": [],
              "MaxMessageSize": 37748736,
              "MaxRecipientsPerMessage": 200,
              "ConnectionTimeout": "00:10:00",
              "ConnectionInactivityTimeout": "00:05:00",
              "MaxInboundConnection": 5000,
              "MaxInboundConnectionPerSource": 20,
              "ProtocolLoggingLevel": "None",
              "MaxProtocolErrors": 5,
              "MaxLogonFailures": 3,
              "AuthTarpitInterval": "00:00:05",
              "TarpitInterval": "00:00:05",
              "MaxHopCount": 60,
              "ImplicitTls": false
            },
            {
              "Name": "Client Proxy VM",
              "TransportRole": "HubTransport",
              "Enabled": true,
              "Bindings": [
                "[::]:465",
                "0.0.0.0:465"
              ],
              "RemoteIPRanges": [
                "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "0.0.0.0-255.255.255.255"
              ],
              "Fqdn": "vm",
              "Banner": null,
              "AuthMechanism": "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
              "PermissionGroups": "ExchangeUsers, ExchangeServers",
              "RequireTLS": false,
              "TlsCertificateName": null,
              "TlsDomainCapabilities": [],
              "MaxMessageSize": 37748736,
              "MaxRecipientsPerMessage": 200,
              "ConnectionTimeout": "00:10:00",
              "ConnectionInactivityTimeout": "00:05:00",
              "MaxInboundConnection": 5000,
              "MaxInboundConnectionPerSource": 20,
              "ProtocolLoggingLevel": "None",
              "MaxProtocolErrors": 5,
              "MaxLogonFailures": 3,
              "AuthTarpitInterval": "00:00:05",
              "TarpitInterval": "00:00:05",
              "MaxHopCount": 60,
              "ImplicitTls": false
            }
          ],
          "SendConnectors": [],
          "Transport": {
            "QueueGlitchRetryCount": 4,
            "QueueGlitchRetryInterval": "00:01:00",
            "TransientFailureRetryCount": 6,
            "TransientFailureRetryInterval": "00:05:00",
            "OutboundConnectionFailureRetryInterval": "00:10:00",
            "MessageRetryInterval": "00:15:00",
            "MessageExpirationTimeout": "2.00:00:00",
            "DelayNotificationTimeout": "04:00:00",
            "MaxOutboundConnections": 1000,
            "MaxPerDomainOutboundConnections": 20,
            "ExternalDNSServers": [],
            "MaxActiveMessages": 1000,
            "ReceiveProtocolLogPath": "logs/ProtocolLog/SmtpReceive",
            "SendProtocolLogPath": "logs/ProtocolLog/SmtpSend",
            "MessageTrackingLogPath": "logs/MessageTracking",
            "ProtocolLogMaxFileSize": 10485760,
            "ProtocolLogMaxDirectorySize": 262144000,
            "ProtocolLogMaxAge": "30.00:00:00",
            "ProtocolLogCertificateFormat": "MultiLine",
            "MessageTrackingLogMaxFileSize": 10485760,
            "MessageTrackingLogMaxDirectorySize": 1048576000,
            "MessageTrackingLogMaxAge": "30.00:00:00"
          },
          "Tls": {
            "UseSystemRoots": true,
            "AdditionalRootFiles": [],
            "RevocationCheck": "None",
            "OutboundNameMatchProfile": "Exchange",
            "SelectionTieBreak": "NewestNotBefore",
            "SelectionSmtpServiceRequired": true,
            "SelectionWildcardMatchesFqdn": true
          },
          "RecipientFilter": {
            "RecipientValidationEnabled": false
          },
          "Mailboxes": [
            {
              "Name": "carol@vm",
              "PrimarySmtpAddress": "carol@vm"
            }
          ],
          "Metrics": {
            "PrometheusEnabled": false,
            "PrometheusEndpoint": "127.0.0.1:9464"
          },
          "Listening": {
            "UnprivilegedPortOffset": 10000
          },
          "HostsOverride": {}
        }

        """;
}
