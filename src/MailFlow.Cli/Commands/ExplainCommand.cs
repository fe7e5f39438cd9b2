using System.CommandLine;
using MailFlow.Diagnostics.Reasons;
using MailFlow.Diagnostics.RootCauses;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow explain "&lt;reason&gt;"</c>: what a deferral/NDR/queue reason says, who wrote it, and the likely root causes.</summary>
internal static class ExplainCommand
{
    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var text = new Argument<string>("reason") { Description = "A message-trace reason, queue LastError, NDR line or event text (quote it; '-' reads standard input)" };
        var command = new Command("explain", "Decode an Exchange reason string and rank the root causes it points to") { text };
        command.SetAction(wrap(context =>
        {
            var value = context.Parse.GetValue(text)!;
            var explanation = ReasonExplainer.Explain(value == "-" ? Console.In.ReadToEnd() : value);
            // Text with no code, token or TLS error and no candidate explained nothing: fail, so a script notices.
            var understood = explanation.Codes.Count > 0 || explanation.Candidates.Count > 0 || explanation.Reason.Token is not null || explanation.Reason.TlsError is not null;
            if (context.Output.Json)
            {
                context.Output.WriteJson(explanation, json => json.Explanation);
            }
            else
            {
                Write(context, explanation);
            }

            return understood ? MailFlowCli.Success : MailFlowCli.OperationFailed;
        }));
        return command;
    }

    private static void Write(CommandContext context, Explanation explanation)
    {
        var output = context.Output;
        var fields = new List<KeyValuePair<string, string>> { new("Format", explanation.Reason.Format.ToString()) };
        var level = 0;
        for (var reason = explanation.Reason; reason is not null; reason = reason.Nested, level++)
        {
            var prefix = level == 0 ? string.Empty : new string('>', level) + " ";
            void Field(string name, object? value)
            {
                if (value is not null)
                {
                    fields.Add(new(prefix + name, value.ToString()!));
                }
            }

            Field("Code", reason.SmtpCode);
            Field("EnhancedCode", reason.EnhancedCode);
            Field("Text", reason.Text);
            Field("Token", reason.Token);
            Field("ExpectedSubject", reason.ExpectedSubject);
            Field("PresentedSubject", reason.PresentedSubject);
            Field("Thumbprint", reason.Thumbprint);
            Field("TargetHost", reason.TargetHost);
            Field("TargetAddress", reason.TargetAddress);
            Field("LastRetryTime", reason.LastRetryTime);
            Field("OutboundProxyTargetHostName", reason.OutboundProxyTargetHostName);
            Field("SmtpSecurity", reason.SmtpSecurity);
            Field("ExchangeOnlineServer", reason.ExchangeOnlineServer);
            Field("TlsError", reason.TlsError);
            if (reason.Unparsed.Count > 0)
            {
                Field("NotUnderstood", string.Join(" ", reason.Unparsed));
            }

            if (reason.Unreadable.Count > 0)
            {
                Field("Unreadable", string.Join("; ", reason.Unreadable));
            }
        }

        output.WriteFormatList(fields);
        output.Out.WriteLine();
        foreach (var code in explanation.Codes)
        {
            output.Out.WriteLine($"{code.Code}: {code.Meaning}");
            output.Out.WriteLine($"        written by {code.WrittenBy}");
        }

        if (explanation.Candidates.Count > 0)
        {
            output.Out.WriteLine();
            output.Out.WriteLine("Likely root causes, most likely first:");
            foreach (var candidate in explanation.Candidates)
            {
                output.Out.WriteLine($"  {candidate.Cause.Id} [{candidate.Confidence}] {candidate.Cause.Title}");
                output.Out.WriteLine($"       because:      {candidate.Because}");
                output.Out.WriteLine($"       confirm with: {candidate.ConfirmWith}");
                output.Out.WriteLine($"       fix:          {candidate.Cause.Fix}");
            }
        }

        foreach (var note in explanation.Notes)
        {
            output.Out.WriteLine($"note: {note}");
        }
    }
}
