using BenchmarkDotNet.Attributes;
using MailFlow.Configuration;
using MailFlow.Configuration.Model;
using MailFlow.Configuration.Serialization;
using MailFlow.Core.Storage;

namespace MailFlow.Benchmarks;

/// <summary>What every CLI invocation pays: loading and validating config.json, and a durable save.</summary>
[MemoryDiagnoser]
public class ConfigurationBenchmarks
{
    private ConfigurationStore store = null!;
    private string root = null!;
    private byte[] document = null!;

    [GlobalSetup]
    public void Setup()
    {
        root = Path.Combine(Path.GetTempPath(), "mailflow-bench", Guid.NewGuid().ToString("N"));
        store = new ConfigurationStore(new DataDirectory(root));
        var configuration = ExchangeDefaults.Create("SERVER1", "SERVER1.domain.com");
        for (var i = 0; i < 20; i++)
        {
            configuration.SendConnectors.Add(new SendConnector { Name = $"To partner {i}", AddressSpaces = [$"partner{i}.test"], DNSRoutingEnabled = false, SmartHosts = [$"mx.partner{i}.test"] });
        }

        store.Create(configuration);
        document = File.ReadAllBytes(store.FilePath);
    }

    [Benchmark]
    public MailFlowConfiguration Deserialize() => ConfigurationJson.Deserialize(document);

    [Benchmark]
    public MailFlowConfiguration LoadAndValidate() => store.Load();

    [Benchmark]
    public MailFlowConfiguration UpdateDurably() => store.Update(c => c.ReceiveConnectors[0].Banner = "220 " + c.Revision);

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(root, recursive: true);
}
