using System.Net;
using MailFlow.Certificates.Store;
using MailFlow.Configuration;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Users;
using MailFlow.Core.Security;
using MailFlow.Core.Storage;
using MailFlow.Logs;
using MailFlow.Management;
using MailFlow.Queue;
using MailFlow.Smtp.Server;

namespace MailFlow.Smtp.Tests.Harness;

/// <summary>
/// The seed's SERVER1 (embedded default, accepted domain domain.com, its self-signed certificate) as an
/// SMTP engine reachable over in-memory connections, with real spool and real log files.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    public const string Frontend = @"SERVER1\Default Frontend SERVER1";
    public const string ClientFrontend = @"SERVER1\Client Frontend SERVER1";
    public const string UserName = "alice";
    public const string UserPassword = "correct horse battery staple";

    private readonly ExchangeLogWriter protocolWriter;
    private readonly ExchangeLogWriter trackingWriter;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> sessions = [];

    private SmtpTestServer(string root, DataDirectory data, MailFlowConfiguration configuration, IReadOnlyList<ReceiveConnectorRuntime> connectors, TimeProvider time, CertificateLogFormat certificateFormat)
    {
        Root = root;
        Data = data;
        Configuration = configuration;
        Connectors = connectors;
        protocolWriter = new ExchangeLogWriter(Path.Combine(root, "logs", "SmtpReceive"), ExchangeLogFormat.SmtpReceive, LogRotation.ExchangeProtocolDefaults, time);
        trackingWriter = new ExchangeLogWriter(Path.Combine(root, "logs", "MessageTracking"), ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults, time);
        Spool = new Spool(data.Queue);
        Context = new ReceiveContext(Spool, new ProtocolLog(protocolWriter, certificateFormat, time), new MessageTrackingLog(trackingWriter, time),
            [new SmtpUser(UserName, PasswordHasher.Hash(UserPassword, 1000))], time);
    }

    public string Root { get; }

    public DataDirectory Data { get; }

    public MailFlowConfiguration Configuration { get; }

    public IReadOnlyList<ReceiveConnectorRuntime> Connectors { get; }

    public ReceiveContext Context { get; }

    public Spool Spool { get; }

    public static SmtpTestServer Create(Action<MailFlowConfiguration>? configure = null, TimeProvider? time = null, CertificateLogFormat certificateFormat = CertificateLogFormat.MultiLine)
    {
        var root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));
        var data = new DataDirectory(Path.Combine(root, "data"));
        var administration = ServerAdministration.Open(data, time, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        administration.Configuration.Update(c =>
        {
            foreach (var connector in c.ReceiveConnectors)
            {
                connector.AuthTarpitInterval = TimeSpan.Zero;
                connector.ProtocolLoggingLevel = ProtocolLoggingLevel.Verbose;
                connector.TarpitInterval = TimeSpan.Zero;
            }

            configure?.Invoke(c);
        });
        var configuration = administration.Configuration.Load();
        var connectors = SmtpReceiveServer.BuildConnectors(configuration, administration.CertificateStore.List().Certificates, (time ?? TimeProvider.System).GetUtcNow());
        return new SmtpTestServer(root, data, configuration, connectors, time ?? TimeProvider.System, certificateFormat);
    }

    public ReceiveConnectorRuntime Connector(string identity) => Connectors.Single(c => c.Identity == identity);

    /// <summary>Opens an in-memory connection to a connector, as a client at <paramref name="remote"/>.</summary>
    public Stream Connect(string connector = Frontend, string remote = "192.0.2.10")
    {
        var (client, server) = InMemoryStream.CreatePair();
        var task = SmtpReceiveServer.RunSessionAsync(Connector(connector), Context, server,
            new IPEndPoint(IPAddress.Parse("198.51.100.1"), 25), new IPEndPoint(IPAddress.Parse(remote), 40000), stopping.Token);
        lock (sessions)
        {
            sessions.Add(task);
        }

        return client;
    }

    public IReadOnlyList<SpooledMessage> Spooled() =>
        Directory.EnumerateFiles(Spool.Incoming, "*.msg").Order().Select(Spool.Read).ToList();

    public int StagingFiles => Directory.EnumerateFiles(Spool.Staging).Count();

    public async Task<string> ProtocolLogAsync()
    {
        await protocolWriter.FlushAsync();
        return string.Concat(Directory.EnumerateFiles(protocolWriter.Directory).Order().Select(File.ReadAllText));
    }

    public async Task<string> TrackingLogAsync()
    {
        await trackingWriter.FlushAsync();
        return string.Concat(Directory.EnumerateFiles(trackingWriter.Directory).Order().Select(File.ReadAllText));
    }

    /// <summary>Stops the server as a transport stop does: every open session is told 421 and ends.</summary>
    public async Task StopAsync()
    {
        await stopping.CancelAsync();
        await WaitForSessionsAsync();
    }

    /// <summary>Waits for every session to end (each must end on its own: a hang fails the test).</summary>
    public async Task WaitForSessionsAsync()
    {
        Task[] all;
        lock (sessions)
        {
            all = [.. sessions];
        }

        await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        Task[] all;
        lock (sessions)
        {
            all = [.. sessions];
        }

        // Sessions end on their own once the client is gone; only a hung one is cancelled.
        if (!Task.WhenAll(all).Wait(TimeSpan.FromSeconds(5)))
        {
            await stopping.CancelAsync();
        }

        await WaitForSessionsAsync();

        await protocolWriter.DisposeAsync();
        await trackingWriter.DisposeAsync();
        stopping.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
