using System.Text.Json.Serialization;

namespace MailFlow.Queue;

/// <summary>
/// The spool envelope line and queue.db's JSON columns, generated at compile time. Default options
/// (PascalCase, compact, enums as numbers) because that is what files and rows already on disk hold.
/// </summary>
[JsonSerializable(typeof(SpooledEnvelope))]
[JsonSerializable(typeof(MessageFacts))]
[JsonSerializable(typeof(FinalEvent))]
[JsonSerializable(typeof(IReadOnlyCollection<string>))]
internal sealed partial class QueueJsonContext : JsonSerializerContext;
