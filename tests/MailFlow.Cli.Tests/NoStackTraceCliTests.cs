using System.Security.Cryptography;

namespace MailFlow.Cli.Tests;

/// <summary>Issue 16: no stack trace reaches a user. Every command gets malformed arguments and files that are empty, folders or random bytes.</summary>
public sealed class NoStackTraceCliTests : IDisposable
{
    private readonly Cli cli = new();

    /// <summary>Every command, with where a malformed value goes ("{bad}").</summary>
    public static TheoryData<string> Commands() =>
    [
        "cert list {bad}", "cert show {bad}", "cert new --self-signed --subject {bad} --domain {bad}", "cert import {bad}",
        "cert import {bad} --password-file {bad}", "cert import {bad} --key {bad}", "cert enable {bad} --services {bad}", "cert remove {bad}",
        "cert explain-selection {bad}",
        "connector receive list {bad}", "connector receive show {bad}", "connector receive set {bad} --TlsCertificateName {bad}",
        "connector receive new {bad} --Bindings {bad}", "connector receive remove {bad}",
        "connector send list {bad}", "connector send show {bad}", "connector send set {bad} --SmartHosts {bad}",
        "connector send new {bad} --AddressSpaces {bad}", "connector send remove {bad}",
        "domain list {bad}", "domain add {bad}", "domain set {bad} --CatchAllMailbox {bad}", "domain remove {bad}",
        "mailbox list {bad}", "mailbox add {bad}", "mailbox remove {bad}",
        "trust list {bad}", "trust add {bad}", "trust remove {bad}",
        "user list {bad}", "user set {bad} --password-file {bad}", "user remove {bad}",
        "service status {bad}", "service restart {bad}",
        "queue list --status {bad}", "queue messages --sender {bad} --queue {bad}", "queue retry {bad}", "queue suspend {bad}", "queue resume {bad}",
        "queue remove {bad}",
        "transport show {bad}", "transport set --MessageExpirationTimeout {bad}", "transport set --MaxMessageSize {bad}",
        "track --start {bad} --end {bad} --result-size {bad}", "track --sender {bad} --recipients {bad}",
        "explain {bad}", "probe {bad} --tls {bad}", "probe {bad} --ca {bad}", "diagnose {bad}", "logs summary {bad}",
        "init --server-name {bad} --fqdn {bad}", "serve --drain-seconds {bad}", "lab list {bad}", "lab {bad}",
    ];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Malformed_arguments_and_files_never_show_a_stack_trace(string command)
    {
        Assert.Equal(0, cli.Run("init", "--server-name", "SERVER1", "--fqdn", "SERVER1.domain.com").ExitCode);
        var folder = Directory.CreateDirectory(Path.Combine(cli.Root, "folder")).FullName;
        var empty = Path.Combine(cli.Root, "empty");
        File.WriteAllBytes(empty, []);
        var random = Path.Combine(cli.Root, "random");
        File.WriteAllBytes(random, RandomNumberGenerator.GetBytes(2000));

        foreach (var bad in new[] { folder, empty, random, Path.Combine(cli.Root, "missing"), "", "-", "\u0001\u00ff%s{0}", "$null", "*", "99999999999999999999" })
        {
            var result = cli.Run([.. command.Split(' ').Select(a => a == "{bad}" ? bad : a)]);

            var output = result.Out + result.Error;
            Assert.False(output.Contains("   at ", StringComparison.Ordinal) || output.Contains("Unhandled exception", StringComparison.Ordinal), $"{command} with '{bad}':\n{output}");
        }
    }

    public void Dispose() => cli.Dispose();
}
