using System.CommandLine;
using System.Globalization;
using System.Text;
using MailFlow.Cli;
using MailFlow.Cli.Commands;
using MailFlow.Core.Storage;

namespace MailFlow.Packaging;

/// <summary>mailflow(8) in man(7) roff: every command path with its arguments and options, as the CLI defines them.</summary>
internal static class ManPage
{
    public static string Write(CommandTree tree, string version, DateOnly date)
    {
        var page = new StringBuilder();
        Line(page, $".TH MAILFLOW 8 {date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} \"MailFlow {version}\" \"System Administration\"");
        // No hyphenation: option names and paths broken at a line end would not copy and paste.
        Line(page, ".nh");
        Line(page, ".SH NAME");
        Text(page, "mailflow - SMTP transport with Exchange's connectors and logs, and diagnostics for TLS mail-flow failures");

        Line(page, ".SH SYNOPSIS");
        Line(page, @"\fBmailflow\fR \fIcommand\fR [\fIsubcommand\fR] [\fIarguments\fR] [\fIoptions\fR]");
        Line(page, ".br");
        Line(page, $"\\fBmailflow\\fR {string.Join(" | ", tree.Root.Options.Where(CommandTree.Visible).Select(o => Bold(o.Name)))}");

        Line(page, ".SH DESCRIPTION");
        Text(page, tree.Root.Description ?? string.Empty);
        Line(page, ".PP");
        Text(page, "Installed from the package, the transport runs as the mailflow.service systemd unit: as the mailflow user, with CAP_NET_BIND_SERVICE as its only privilege, on the data directory /var/lib/mailflow. "
            + "systemctl reload mailflow restarts it gracefully (mailflow service restart). /var/lib/mailflow is also the default data directory of root and of the account that owns it, and a command run as root on a data directory that belongs to another account becomes that account before it writes, so what it writes stays the service's. Passwords are never arguments: see ENVIRONMENT.");

        Line(page, ".SH COMMON OPTIONS");
        foreach (var option in tree.Common())
        {
            var without = tree.Without(option);
            OptionItem(page, option, without.Count == 0 ? null : $"Not taken by: {string.Join(", ", without)}.");
        }

        Line(page, ".SH COMMANDS");
        var common = tree.Common();
        foreach (var node in tree.Nodes.Where(n => n.Path.Count > 0))
        {
            Line(page, $".SS \"mailflow {node.Name}\"");
            var own = node.Command.Options.Where(o => CommandTree.Visible(o) && !common.Contains(o)).ToList();
            var synopsis = new StringBuilder(Bold($"mailflow {node.Name}"));
            foreach (var argument in node.Command.Arguments.Where(CommandTree.Visible))
            {
                synopsis.Append(' ').Append(Usage(argument));
            }

            if (node.Command.Subcommands.Any(CommandTree.Visible))
            {
                synopsis.Append(@" \fIsubcommand\fR");
            }

            if (own.Count > 0)
            {
                synopsis.Append(@" [\fIoptions\fR]");
            }

            Line(page, synopsis.ToString());
            Line(page, ".br");
            Text(page, Describe(node.Command.Description, [], null));
            foreach (var argument in node.Command.Arguments.Where(CommandTree.Visible))
            {
                Line(page, ".TP");
                Line(page, Italic(argument.Name));
                Text(page, Describe(argument.Description, CommandTree.Values(argument), null));
            }

            foreach (var option in own)
            {
                OptionItem(page, option, null);
            }
        }

        Line(page, ".SH EXIT STATUS");
        foreach (var (code, meaning) in new[]
                 {
                     (MailFlowCli.Success, "Success."),
                     (MailFlowCli.OperationFailed, "The operation failed (what failed is one line on standard error)."),
                     (MailFlowCli.UsageError, "Usage error: an unknown command or option, or a malformed or empty argument."),
                 })
        {
            Line(page, ".TP");
            Line(page, code.ToString(CultureInfo.InvariantCulture));
            Text(page, meaning);
        }

        Line(page, ".SH ENVIRONMENT");
        foreach (var (name, meaning) in new[]
                 {
                     (DataDirectory.EnvironmentVariable, "The data directory when --data is not given (the unit sets /var/lib/mailflow)."),
                     (UserCommand.PasswordEnvironmentVariable, "The AUTH password for mailflow user commands when --password-file is not given, so it never appears in the process list."),
                     (CertificateCommand.PasswordEnvironmentVariable, "The PFX or PEM-key password for mailflow cert import when no password option is given."),
                     ("MAILFLOW_PWSH", "The pwsh that mailflow lab applies its fixes with, as Exchange's cmdlets."),
                 })
        {
            Line(page, ".TP");
            Line(page, Bold(name));
            Text(page, meaning);
        }

        Line(page, ".SH FILES");
        foreach (var (path, meaning) in new[]
                 {
                     ("/var/lib/mailflow", "The service's data directory (mode 0700, owned by mailflow): config.json, certificates/, users.json, queue/, mailboxes/<domain>/<user>/Maildir, logs/ in Exchange's formats, run/control.sock. Kept when the package is removed, deleted when it is purged."),
                     ("/etc/default/mailflow", "MAILFLOW_SERVE_OPTS, extra options for mailflow serve in the unit."),
                     ("/lib/systemd/system/mailflow.service", "The systemd unit."),
                 })
        {
            Line(page, ".TP");
            Line(page, Italic(path));
            Text(page, meaning);
        }

        Line(page, ".SH SEE ALSO");
        Line(page, @"\fBsystemctl\fR(1), \fBjournalctl\fR(1), \fBsystemd.exec\fR(5), \fBswaks\fR(1)");
        return page.ToString();
    }

    private static void OptionItem(StringBuilder page, Option option, string? note)
    {
        Line(page, ".TP");
        var names = string.Join(", ", CommandTree.Names(option).Select(Bold));
        Line(page, CommandTree.TakesValue(option) ? $"{names} {Italic(ValueName(option))}" : names);
        var defaultValue = option.HasDefaultValue && CommandTree.TakesValue(option) ? option.GetDefaultValue() : null;
        var text = Describe(option.Description, CommandTree.Values(option), defaultValue);
        Text(page, note is null ? text : $"{text} {note}".Trim());
    }

    /// <summary>The description, then the values it takes and its default, each as a sentence of its own.</summary>
    private static string Describe(string? description, IReadOnlyList<string> values, object? defaultValue)
    {
        var sentences = new List<string>();
        if (!string.IsNullOrWhiteSpace(description))
        {
            sentences.Add(Sentence(description));
        }

        if (values.Count > 0)
        {
            sentences.Add($"One of: {string.Join(", ", values)}.");
        }

        if (defaultValue is string { Length: > 0 } or (not null and not string and not System.Collections.IEnumerable))
        {
            sentences.Add($"Default: {Convert.ToString(defaultValue, CultureInfo.InvariantCulture)}.");
        }

        return string.Join(' ', sentences);
    }

    private static string Sentence(string text) => text.EndsWith('.') ? text : text + ".";

    private static string ValueName(Option option) => option.HelpName ?? option.Name.TrimStart('-').ToLowerInvariant();

    private static string Usage(Argument argument)
    {
        var name = Italic(argument.Name) + (argument.Arity.MaximumNumberOfValues > 1 ? " ..." : string.Empty);
        return argument.Arity.MinimumNumberOfValues == 0 ? $"[{name}]" : name;
    }

    private static string Bold(string text) => $@"\fB{Escape(text)}\fR";

    private static string Italic(string text) => $@"\fI{Escape(text)}\fR";

    /// <summary>
    /// Running text: escaped, filled into lines of at most 80 bytes where spaces allow (what mandoc's lint
    /// asks of a source), and no line read as a request (a leading dot or quote).
    /// </summary>
    private static void Text(StringBuilder page, string text)
    {
        var line = new StringBuilder();
        foreach (var word in Escape(text).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > 80)
            {
                Request(page, line.ToString());
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : string.Empty).Append(word);
        }

        Request(page, line.ToString());

        static void Request(StringBuilder page, string line) =>
            Line(page, line.StartsWith('.') || line.StartsWith('\'') ? @"\&" + line : line);
    }

    private static void Line(StringBuilder page, string line) => page.Append(line).Append('\n');

    /// <summary>
    /// Backslashes doubled as \e, hyphens as \- (options must copy and paste as ASCII minus), anything
    /// beyond ASCII as \[uXXXX], which groff and mandoc both read whatever the page's encoding.
    /// </summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            _ = rune.Value switch
            {
                '\\' => escaped.Append(@"\e"),
                '-' => escaped.Append(@"\-"),
                < 0x80 => escaped.Append((char)rune.Value),
                _ => escaped.Append(CultureInfo.InvariantCulture, $@"\[u{rune.Value:X4}]"),
            };
        }

        return escaped.ToString();
    }
}
