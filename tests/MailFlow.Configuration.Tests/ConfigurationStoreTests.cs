using System.Text;
using CsCheck;
using MailFlow.Certificates.Validation;
using MailFlow.Configuration.Listening;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Serialization;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;

namespace MailFlow.Configuration.Tests;

public sealed class ConfigurationStoreTests : IDisposable
{
    private readonly DataDirectory data = TestData.NewDataDirectory();
    private readonly ConfigurationStore store;

    public ConfigurationStoreTests()
    {
        store = new ConfigurationStore(data);
        store.Create(ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com"));
    }

    [Fact]
    public void The_file_is_owner_only_and_each_save_bumps_the_revision()
    {
        var first = store.Load();
        first.ReceiveConnectors[0].Banner = "220 hello";

        var saved = store.Save(first);

        Assert.Equal(1, first.Revision);
        Assert.Equal(2, saved.Revision);
        Assert.Equal("220 hello", store.Load().ReceiveConnectors[0].Banner);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data.Root));
    }

    [Fact]
    public void A_save_based_on_a_stale_revision_is_refused_and_changes_nothing()
    {
        var mine = store.Load();
        var theirs = store.Load();
        theirs.ReceiveConnectors[0].Banner = "220 theirs";
        store.Save(theirs);
        var before = File.ReadAllBytes(store.FilePath);

        mine.ReceiveConnectors[0].Banner = "220 mine";
        var error = Assert.Throws<MailFlowException>(() => store.Save(mine));

        Assert.Equal(MailFlowErrorKind.ConcurrencyConflict, error.Kind);
        Assert.Equal(before, File.ReadAllBytes(store.FilePath));
    }

    [Fact]
    public void A_config_json_written_before_source_generated_JSON_loads_and_saves_back_byte_for_byte_with_newer_settings_added()
    {
        File.WriteAllText(store.FilePath, OldConfigurationJson.InitDefaults);

        var loaded = store.Load();

        Assert.Equal(2, loaded.Revision);
        Assert.Equal(5, loaded.ReceiveConnectors.Count);
        Assert.Equal(AuthMechanisms.Tls | AuthMechanisms.Integrated | AuthMechanisms.BasicAuth | AuthMechanisms.BasicAuthRequireTLS | AuthMechanisms.ExchangeServer, loaded.ReceiveConnectors[0].AuthMechanism);
        Assert.Equal(TimeSpan.FromMinutes(10), loaded.ReceiveConnectors[0].ConnectionTimeout);
        Assert.Equal("carol@vm", Assert.Single(loaded.Mailboxes).PrimarySmtpAddress);
        // Byte for byte but for the settings added since (their defaults): nothing else is renamed or reordered.
        var since = OldConfigurationJson.InitDefaults.Replace(
            "\"PrometheusEndpoint\": \"127.0.0.1:9464\"\n",
            "\"PrometheusEndpoint\": \"127.0.0.1:9464\",\n    \"OpenTelemetryEnabled\": false,\n    \"OtlpEndpoint\": \"http://127.0.0.1:4318\"\n",
            StringComparison.Ordinal);
        Assert.NotEqual(OldConfigurationJson.InitDefaults, since);
        Assert.Equal(since, Encoding.UTF8.GetString(ConfigurationJson.Serialize(loaded)) + "\n");
    }

    [Fact]
    public async Task Concurrent_writers_lose_no_update()
    {
        const int perWriter = 15;
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var otherStore = new ConfigurationStore(new DataDirectory(data.Root)); // as a separate process would
            for (var i = 0; i < perWriter; i++)
            {
                var domain = $"w{w}-d{i}.test";
                otherStore.Update(c => c.AcceptedDomains.Add(new AcceptedDomain { Name = domain, DomainName = domain }));
            }
        })).ToArray();
        await Task.WhenAll(writers);

        var final = store.Load();

        Assert.Equal(1 + (4 * perWriter), final.AcceptedDomains.Count);
        Assert.Equal(1 + (4 * perWriter), final.Revision);
    }

    [Fact]
    public void An_invalid_change_is_refused_before_anything_is_written()
    {
        var configuration = store.Load();
        configuration.ReceiveConnectors[0].TlsCertificateName = "not a name";
        var before = File.ReadAllBytes(store.FilePath);

        var error = Assert.Throws<MailFlowException>(() => store.Save(configuration));

        Assert.Contains("$.ReceiveConnectors[0].TlsCertificateName", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(store.FilePath));
    }

    [Fact]
    public void A_file_truncated_at_any_point_gives_a_one_line_error_naming_the_file()
    {
        var whole = File.ReadAllBytes(store.FilePath);

        // One thread: every sample rewrites the same file.
        Gen.Int[0, whole.Length - 3].Sample(cut =>
        {
            File.WriteAllBytes(store.FilePath, whole[..cut]);
            var error = Assert.Throws<MailFlowException>(() => store.Load());
            // Cut at 0 the file is empty, which has its own message (decision 0026).
            Assert.StartsWith($"configuration file '{store.FilePath}' is {(cut == 0 ? "empty" : "invalid at")}", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }, iter: 200, threads: 1);
    }

    [Theory]
    [InlineData("\"AuthMechanism\": \"Tls, Integrated", "\"AuthMechanism\": \"Tls, Kerberos, Integrated", "the value is not a valid AuthMechanisms; valid values: None, Tls, Integrated")]
    [InlineData("\"MaxRecipientsPerMessage\": 200", "\"MaxRecipientsPerMessage\": \"lots\"", "at $.ReceiveConnectors[0].MaxRecipientsPerMessage")]
    [InlineData("\"MaxRecipientsPerMessage\": 200", "\"MaxRecipientsPerMessage\": 200, \"Colour\": \"blue\"", "Colour")]
    [InlineData("\"MaxRecipientsPerMessage\": 200", "\"MaxRecipientsPerMessage\": 0", "$.ReceiveConnectors[0].MaxRecipientsPerMessage: 0 is out of range")]
    // Found writing the fuzz/ config target: a null list entry passed deserialisation and the validator threw NullReferenceException.
    [InlineData("\"AcceptedDomains\": [", "\"AcceptedDomains\": [null, ", "at $.AcceptedDomains[0]: null is not allowed here")]
    [InlineData("\"ReceiveConnectors\": [", "\"ReceiveConnectors\": [null, ", "at $.ReceiveConnectors[0]: null is not allowed here")]
    [InlineData("\"SendConnectors\": []", "\"SendConnectors\": [null]", "at $.SendConnectors[0]: null is not allowed here")]
    [InlineData("\"Bindings\": [", "\"Bindings\": [null, ", "at $.ReceiveConnectors[0].Bindings[0]: null is not allowed here")]
    [InlineData("\"HostsOverride\": {}", "\"HostsOverride\": {\"smtp.contoso.test\": null}", "at $.HostsOverride.smtp.contoso.test: null is not allowed here")]
    [InlineData("\"OpenTelemetryEnabled\": false", "\"OpenTelemetryEnabled\": \"yes\"", "at $.Metrics.OpenTelemetryEnabled")]
    [InlineData("\"OtlpEndpoint\": \"http://127.0.0.1:4318\"", "\"OtlpEndpoint\": \"collector\"", "$.Metrics.OtlpEndpoint: \"collector\" is not an http:// or https:// URL")]
    public void Bad_values_name_the_path_and_what_is_wrong(string find, string replace, string expected)
    {
        var text = File.ReadAllText(store.FilePath);
        var at = text.IndexOf(find, StringComparison.Ordinal);
        File.WriteAllText(store.FilePath, text[..at] + replace + text[(at + find.Length)..]);

        var error = Assert.Throws<MailFlowException>(() => store.Load());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(store.FilePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_with_the_old_RecipientFilter_Recipients_list_loads_them_as_mailboxes_and_is_saved_without_it()
    {
        // What a configuration.json written before mailboxes existed looks like: no Mailboxes, a Recipients list.
        var text = File.ReadAllText(store.FilePath);
        var mailboxes = text.IndexOf("  \"Mailboxes\": [],\n", StringComparison.Ordinal);
        Assert.True(mailboxes >= 0, text);
        text = text.Remove(mailboxes, "  \"Mailboxes\": [],\n".Length)
            .Replace("\"RecipientValidationEnabled\": false", "\"RecipientValidationEnabled\": true,\n    \"Recipients\": [\"user@domain.com\", \"Bob@Domain.com\", \"user@DOMAIN.com\"]", StringComparison.Ordinal);
        File.WriteAllText(store.FilePath, text);

        var loaded = store.Load();
        store.Save(loaded);
        var saved = File.ReadAllText(store.FilePath);

        Assert.Equal(["user@domain.com", "Bob@Domain.com"], loaded.Mailboxes.Select(m => m.PrimarySmtpAddress));
        Assert.Equal(["user@domain.com", "Bob@Domain.com"], loaded.Mailboxes.Select(m => m.Name));
        Assert.True(loaded.RecipientFilter.RecipientValidationEnabled);
        Assert.Null(loaded.RecipientFilter.Recipients);
        Assert.DoesNotContain("\"Recipients\"", saved, StringComparison.Ordinal);
        Assert.Contains("\"PrimarySmtpAddress\": \"Bob@Domain.com\"", saved, StringComparison.Ordinal);
    }

    [Fact]
    public void An_old_Recipients_entry_that_cannot_be_a_mailbox_is_refused_naming_it()
    {
        var text = File.ReadAllText(store.FilePath).Replace("\"RecipientValidationEnabled\": false", "\"RecipientValidationEnabled\": true, \"Recipients\": [\"user@elsewhere.test\"]", StringComparison.Ordinal);
        File.WriteAllText(store.FilePath, text);

        var error = Assert.Throws<MailFlowException>(() => store.Load());

        Assert.Contains("\"user@elsewhere.test\": elsewhere.test is not an accepted domain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_valid_configuration_survives_save_and_load_unchanged()
    {
        var name = Gen.String[Gen.Char['A', 'Z'], 1, 12];
        var label = Gen.String[Gen.Char['a', 'z'], 1, 10];
        var gen = Gen.Select(name, label, Gen.Int[65_536, 100_000_000], Gen.Int[1, 5000], Gen.Bool, Gen.Int[0, 15], Gen.Int[1, 3600])
            .Select(label, Gen.Int[1, 4], Gen.Enum<TlsAuthLevel>(), (t, host, hosts, level) =>
            {
                var (server, domain, size, recipients, requireTls, retries, seconds) = t;
                var configuration = ExchangeDefaults.Create(server, $"{server}.{domain}.test");
                configuration.ReceiveConnectors[0].MaxMessageSize = size;
                configuration.ReceiveConnectors[0].MaxRecipientsPerMessage = recipients;
                configuration.ReceiveConnectors[0].TlsCertificateName = requireTls ? $"<I>CN={domain} CA<S>CN={host}.{domain}.test" : null;
                configuration.Transport.TransientFailureRetryCount = retries;
                configuration.Transport.TransientFailureRetryInterval = TimeSpan.FromSeconds(seconds);
                configuration.Transport.DelayNotificationTimeout = TimeSpan.FromDays(1);
                configuration.SendConnectors.Add(new SendConnector
                {
                    Name = $"To {host}",
                    AddressSpaces = [$"{host}.test"],
                    DNSRoutingEnabled = false,
                    SmartHosts = Enumerable.Range(0, hosts).Select(i => $"mx{i}.{host}.test:{2525 + i}").ToList(),
                    RequireTLS = true,
                    TlsAuthLevel = level,
                    TlsDomain = level == TlsAuthLevel.DomainValidation ? $"*.{host}.test" : null,
                });
                return configuration;
            });

        gen.Sample(configuration =>
        {
            var directory = TestData.NewDataDirectory();
            var roundTrip = new ConfigurationStore(directory);
            roundTrip.Create(configuration);
            var loaded = roundTrip.Load();
            loaded.Revision = configuration.Revision;
            Assert.Equal(Encoding.UTF8.GetString(ConfigurationJson.Serialize(configuration)), Encoding.UTF8.GetString(ConfigurationJson.Serialize(loaded)));
            Directory.Delete(Path.GetDirectoryName(directory.Root)!, recursive: true);
        }, iter: 60);
    }

    [Fact]
    public void Enums_and_timespans_are_written_the_way_Exchange_shows_them()
    {
        var text = File.ReadAllText(store.FilePath);

        Assert.Contains("\"AuthMechanism\": \"Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer\"", text, StringComparison.Ordinal);
        Assert.Contains("\"ConnectionTimeout\": \"00:10:00\"", text, StringComparison.Ordinal);
        Assert.Contains("\"MessageExpirationTimeout\": \"2.00:00:00\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1024, 10025, true)]
    [InlineData(0, 25, false)]
    public void Privileged_ports_move_by_the_documented_offset_when_they_cannot_be_bound(int lowestBindable, int expectedPort, bool offset)
    {
        var plan = ReceiveBinding.Plan(store.Load(), lowestBindable);

        var frontend = plan.First(b => b.ConnectorIdentity == @"SERVER1\Default Frontend SERVER1");
        var hub = plan.First(b => b.ConnectorIdentity == @"SERVER1\Default SERVER1");
        Assert.Equal(expectedPort, frontend.Effective.Port);
        Assert.Equal(offset, frontend.Offset);
        Assert.Equal(2525, hub.Effective.Port);
        Assert.Equal(10, plan.Count);
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(data.Root)!, recursive: true);
}
