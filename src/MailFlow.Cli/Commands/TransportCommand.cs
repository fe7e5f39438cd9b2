using System.CommandLine;
using System.Globalization;
using MailFlow.Configuration.Model;
using MailFlow.Logs.Reading;
using MailFlow.Management.Parameters;
using MailFlow.Management.Transport;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow transport show|set</c> (Get-/Set-TransportService) and <c>mailflow track</c> (Get-MessageTrackingLog).</summary>
internal static class TransportCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("transport", "Set-TransportService settings: retry, expiry, connection limits, logs");

        var show = new Command("show", "Get-TransportService | Format-List");
        show.SetAction(wrap(context =>
        {
            var (identity, settings) = new TransportServiceCommands(context.Administration).Get();
            CommonCommands.WriteView(context, ObjectParameters.View(settings, new KeyValuePair<string, string>("Identity", identity)));
            return MailFlowCli.Success;
        }));

        var options = CommonCommands.ParameterOptions<TransportSettings>(TransportServiceCommands.SettableParameters);
        var set = new Command("set", "Set-TransportService -Parameter value …  (takes effect at the next mailflow service restart)");
        options.ForEach(set.Options.Add);
        set.SetAction(wrap(context =>
        {
            new TransportServiceCommands(context.Administration).Set(CommonCommands.Collect(context.Parse, options));
            context.Output.Out.WriteLine("Updated the transport settings.");
            CommonCommands.NoteAppliesAtRestart(context, "they");
            return MailFlowCli.Success;
        }));

        command.Subcommands.Add(show);
        command.Subcommands.Add(set);
        return command;
    }

    public static Command BuildTrack(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var sender = new Option<string?>("--sender", "--Sender");
        var recipients = new Option<string[]>("--recipients", "--Recipients") { AllowMultipleArgumentsPerToken = true };
        var messageId = new Option<string?>("--message-id", "--MessageId");
        var eventId = new Option<string?>("--event-id", "--EventId") { Description = "RECEIVE, SEND, DELIVER, DEFER, FAIL, DSN, …" };
        var start = DateOption.Create("--start", "--Start", "Events at or after");
        var end = DateOption.Create("--end", "--End", "Events at or before");
        var resultSize = new Option<int>("--result-size", "--ResultSize") { DefaultValueFactory = _ => 1000 };
        var command = new Command("track", "Get-MessageTrackingLog: search this server's message tracking log") { sender, recipients, messageId, eventId, start, end, resultSize };
        command.SetAction(wrap(context =>
        {
            var filter = new MessageTrackingFilter
            {
                Sender = context.Parse.GetValue(sender),
                Recipients = context.Parse.GetValue(recipients) ?? [],
                MessageId = context.Parse.GetValue(messageId),
                EventId = context.Parse.GetValue(eventId),
                Start = context.Parse.GetValue(start),
                End = context.Parse.GetValue(end),
            };
            var found = new TransportServiceCommands(context.Administration).SearchTrackingLog(filter).Take(context.Parse.GetValue(resultSize)).ToList();
            if (context.Output.Json)
            {
                context.Output.WriteJson(found, json => json.ListMessageTrackingLogEntry);
            }
            else
            {
                context.Output.WriteTable(["Timestamp", "EventId", "Source", "Sender", "Recipients", "RecipientStatus", "ConnectorId"],
                    found.Select(e => (IReadOnlyList<string>)[e.Timestamp.ToString("u", CultureInfo.InvariantCulture), e.EventId ?? string.Empty, e.Source ?? string.Empty, e.Sender ?? string.Empty,
                        string.Join("; ", e.Recipients), string.Join("; ", e.RecipientStatus), e.ConnectorId ?? string.Empty]), "no tracking events match");
            }

            return MailFlowCli.Success;
        }));
        return command;
    }
}
