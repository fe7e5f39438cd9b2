using System.Text;
using MailFlow.Certificates.Trust;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Logs;
using MailFlow.Management;
using MailFlow.Queue;
using MailFlow.Transport.Administration;
using MailFlow.Transport.Delivery;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace MailFlow.Transport.Tests;

/// <summary>
/// One server's queue and delivery on real files under a temporary directory, on a fake clock:
/// SERVER1 with the embedded default (accepted domain domain.com), the mailboxes of the people the tests
/// write to and from (<see cref="Mailboxes"/>: local delivery goes only to mailboxes that exist), plus
/// whatever the test configures.
/// </summary>
public sealed class DeliveryTestBed : IAsyncDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    public DeliveryTestBed(Action<MailFlowConfiguration> configure)
    {
        var administration = ServerAdministration.Open(new DataDirectory(Path.Combine(root, "data")), Clock, identity: new ServerIdentity { Name = "SERVER1", Fqdn = "SERVER1.domain.com" });
        administration.Configuration.Update(c =>
        {
            c.Mailboxes.AddRange(Mailboxes.Select(a => new Mailbox { Name = a, PrimarySmtpAddress = a }));
            configure(c);
        });
        Configuration = administration.Configuration.Load();
        Data = administration.Data;
        Spool = new Spool(Data.Queue);
        Queue = new QueueDatabase(Data.Queue);
        Tracking = new ExchangeLogWriter(Path.Combine(root, "tracking"), ExchangeLogFormat.MessageTracking, LogRotation.ExchangeProtocolDefaults, Clock);
        var tracking = new MessageTrackingLog(Tracking, Clock);
        Agent = new DeliveryAgent(Configuration, Queue, Spool, new MaildirDelivery(Data.Mailboxes, "SERVER1.domain.com", Clock),
            new OutboundDelivery(Configuration, TrustAnchors.Empty, ReasonFormat.Brace, Clock), tracking, Clock);
        Administration = new QueueAdministration("SERVER1", Queue, new SenderNotifier(Spool, tracking, Configuration.Server.Fqdn), tracking, Clock);
    }

    public static readonly string[] Mailboxes = ["user@domain.com", "alice@domain.com", "bob@domain.com", "carol@domain.com"];

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>A send connector for unreachable.test whose smart host refuses every connection (port 1 on loopback).</summary>
    public static void AddDeadEndConnector(MailFlowConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.HostsOverride["unreachable.test"] = "127.0.0.1";
        configuration.SendConnectors.Add(new SendConnector { Name = "Dead end", AddressSpaces = ["unreachable.test"], DNSRoutingEnabled = false, SmartHosts = ["unreachable.test:1"] });
    }

    public MailFlowConfiguration Configuration { get; }

    public DataDirectory Data { get; }

    public Spool Spool { get; }

    public QueueDatabase Queue { get; }

    public ExchangeLogWriter Tracking { get; }

    public DeliveryAgent Agent { get; }

    public QueueAdministration Administration { get; }

    public string Enqueue(string from, string to, string content, string? notify = null)
    {
        var id = Guid.CreateVersion7().ToString("N");
        using var transaction = Spool.Begin(new SpooledEnvelope
        {
            Id = id,
            InternalId = 1,
            ReceivedUtc = Clock.GetUtcNow(),
            ConnectorId = "test",
            SessionId = "0",
            ClientAddress = "127.0.0.1",
            ClientHelo = "test",
            MailFrom = from,
            Recipients = [new SpooledRecipient(to, notify)],
        });
        transaction.Write(Encoding.ASCII.GetBytes(content));
        transaction.Commit();
        return id;
    }

    public string[] MaildirFiles(string domain, string local)
    {
        var directory = Path.Combine(Data.Mailboxes, domain, local, "Maildir", "new");
        return Directory.Exists(directory) ? Directory.GetFiles(directory) : [];
    }

    /// <summary>The one report in a local mailbox; reports always come from the null sender.</summary>
    public MimeMessage SingleReport(string domain, string local)
    {
        var file = Assert.Single(MaildirFiles(domain, local));
        Assert.StartsWith("Return-Path: <>\r\n", File.ReadAllText(file), StringComparison.Ordinal);
        return MimeMessage.Load(file);
    }

    public async Task<string> TrackingLogAsync()
    {
        await Tracking.FlushAsync();
        return string.Concat(Directory.GetFiles(Tracking.Directory).Select(File.ReadAllText));
    }

    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        Queue.Dispose();
        await Tracking.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }
}
