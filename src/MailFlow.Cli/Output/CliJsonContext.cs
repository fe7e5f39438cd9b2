using System.Text.Json.Serialization;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;
using MailFlow.Cli.Commands;
using MailFlow.Configuration.Model;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.Probe;
using MailFlow.Diagnostics.RootCauses;
using MailFlow.Lab;
using MailFlow.Logs.Reading;
using MailFlow.Management.Control;
using MailFlow.Management.Recipients;
using MailFlow.Transport.Administration;

namespace MailFlow.Cli.Output;

/// <summary>
/// Every type a command writes with --json, generated at compile time (<see cref="CliOutput.WriteJson{T}"/>
/// takes one of these, so a type missing here is a build error, not a failure at run time).
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(IReadOnlyList<AcceptedDomain>))]
[JsonSerializable(typeof(CertificateSelectionDecision))]
[JsonSerializable(typeof(IReadOnlyList<CertificateSelectionDecision>))]
[JsonSerializable(typeof(Diagnosis))]
[JsonSerializable(typeof(ExchangeCertificateProperties))]
[JsonSerializable(typeof(IReadOnlyList<ExchangeCertificateProperties>))]
[JsonSerializable(typeof(Explanation))]
[JsonSerializable(typeof(LabReport))]
[JsonSerializable(typeof(IEnumerable<LabScenarioSummary>))]
[JsonSerializable(typeof(IReadOnlyList<MailboxView>))]
[JsonSerializable(typeof(IReadOnlyList<MessageInfo>))]
[JsonSerializable(typeof(List<MessageTrackingLogEntry>))]
[JsonSerializable(typeof(ProbeReport))]
[JsonSerializable(typeof(ProtocolLogTotals))]
[JsonSerializable(typeof(IReadOnlyList<QueueInfo>))]
[JsonSerializable(typeof(ServiceStatus))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(TrustSettingsView))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IEnumerable<Dictionary<string, string>>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
