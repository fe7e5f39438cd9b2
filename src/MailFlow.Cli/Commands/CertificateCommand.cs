using System.CommandLine;
using System.Globalization;
using MailFlow.Certificates.Issuance;
using MailFlow.Certificates.Selection;
using MailFlow.Certificates.Store;
using MailFlow.Core.Errors;
using MailFlow.Management.Certificates;
using MailFlow.Management.Parameters;

namespace MailFlow.Cli.Commands;

/// <summary><c>mailflow cert …</c>: the *-ExchangeCertificate cmdlets and the STARTTLS selection explanation.</summary>
internal static class CertificateCommand
{
    public const string PasswordEnvironmentVariable = "MAILFLOW_CERT_PASSWORD";

    public static Command Build(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("cert", "Certificates: list, show, new, import, enable, remove, explain-selection (Exchange's *-ExchangeCertificate)");
        command.Subcommands.Add(List(wrap));
        command.Subcommands.Add(Show(wrap));
        command.Subcommands.Add(New(wrap));
        command.Subcommands.Add(Import(wrap));
        command.Subcommands.Add(Enable(wrap));
        command.Subcommands.Add(Remove(wrap));
        command.Subcommands.Add(ExplainSelection(wrap));
        return command;
    }

    private static Command List(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var command = new Command("list", "Get-ExchangeCertificate: every certificate in the store");
        command.SetAction(wrap(context =>
        {
            var certificates = Commands(context).Get(out var problems);
            foreach (var problem in problems)
            {
                context.Output.Note($"warning: {problem}");
            }

            if (context.Output.Json)
            {
                context.Output.WriteJson(certificates, json => json.IReadOnlyListExchangeCertificateProperties);
            }
            else
            {
                context.Output.WriteTable(
                    ["Thumbprint", "Services", "Subject", "NotAfter", "Status"],
                    certificates.Select(c => (IReadOnlyList<string>)[c.Thumbprint, c.Services, c.Subject, c.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), c.Status.ToString()]), "no certificates in the store");
            }

            return MailFlowCli.Success;
        }));
        return command;
    }

    private static Command Show(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var thumbprint = new Argument<string>("thumbprint") { Description = "Certificate thumbprint (40 hex digits; spaces and colons allowed)" };
        var command = new Command("show", "Get-ExchangeCertificate <thumbprint> | Format-List") { thumbprint };
        command.SetAction(wrap(context =>
        {
            var certificate = Commands(context).Get(context.Parse.GetValue(thumbprint)!);
            if (context.Output.Json)
            {
                context.Output.WriteJson(certificate, json => json.ExchangeCertificateProperties);
            }
            else
            {
                context.Output.WriteFormatList(ExchangeCertificateCommands.View(certificate));
            }

            return MailFlowCli.Success;
        }));
        return command;
    }

    private static Command New(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var selfSigned = new Option<bool>("--self-signed") { Description = "Create a self-signed certificate (the only kind MailFlow creates; requests to a CA are made elsewhere)" };
        var subject = new Option<string?>("--subject", "--SubjectName") { Description = "Subject, default CN=<server name>" };
        var domains = new Option<string[]>("--domain", "--DomainName") { Description = "SAN host names (repeat); default the server name and FQDN", AllowMultipleArgumentsPerToken = true };
        var services = new Option<string?>("--services", "--Services") { Description = "Services to enable, default \"IMAP, POP, SMTP\"" };
        var friendlyName = new Option<string?>("--friendly-name", "--FriendlyName") { Description = "Friendly name" };
        var key = new Option<KeyAlgorithm>("--key") { Description = "Key type", DefaultValueFactory = _ => KeyAlgorithm.Rsa2048 };
        var command = new Command("new", "New-ExchangeCertificate: create a self-signed certificate in the store") { selfSigned, subject, domains, services, friendlyName, key };
        command.SetAction(wrap(context =>
        {
            if (!context.Parse.GetValue(selfSigned))
            {
                throw new MailFlowException("only self-signed certificates are created here: add --self-signed (import CA-issued certificates with 'mailflow cert import')", MailFlowErrorKind.InvalidArgument);
            }

            var created = Commands(context).New(new NewCertificateRequest
            {
                SubjectName = context.Parse.GetValue(subject),
                DomainNames = context.Parse.GetValue(domains) ?? [],
                Services = ParseServices(context.Parse.GetValue(services)) ?? (ExchangeServices.IMAP | ExchangeServices.POP | ExchangeServices.SMTP),
                FriendlyName = context.Parse.GetValue(friendlyName),
                Key = context.Parse.GetValue(key),
            });
            WriteCreated(context, created.Thumbprint);
            return MailFlowCli.Success;
        }));
        return command;
    }

    private static Command Import(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var file = new Argument<string>("file") { Description = "PFX/PKCS#12 file, or PEM file with the certificate (and chain, and perhaps the key)" };
        // No --password: a value on the command line is in every local user's process list (ps, /proc/PID/cmdline).
        var passwordFile = new Option<string?>("--password-file") { Description = $"File whose first line is the PFX or PEM-key password (else ${PasswordEnvironmentVariable})" };
        var keyFile = new Option<string?>("--key") { Description = "PEM private key file, when the key is not in FILE" };
        var noKey = new Option<bool>("--no-private-key") { Description = "Import a PEM certificate without a private key (never selected for STARTTLS)" };
        var services = new Option<string?>("--services", "--Services") { Description = "Services to enable at import, e.g. SMTP" };
        var friendlyName = new Option<string?>("--friendly-name", "--FriendlyName") { Description = "Friendly name" };
        var command = new Command("import", "Import-ExchangeCertificate: add a CA-issued certificate with its key") { file, passwordFile, keyFile, noKey, services, friendlyName };
        command.SetAction(wrap(context =>
        {
            // Read first: run as root, opening the data directory becomes its owner (decision 0030), who may not read root's password file.
            var secret = Password(context, passwordFile);
            var imported = Commands(context).Import(new ImportCertificateRequest(context.Parse.GetValue(file)!)
            {
                Password = secret,
                KeyFileName = context.Parse.GetValue(keyFile),
                AllowWithoutPrivateKey = context.Parse.GetValue(noKey),
                Services = ParseServices(context.Parse.GetValue(services)) ?? ExchangeServices.None,
                FriendlyName = context.Parse.GetValue(friendlyName),
            });
            WriteCreated(context, imported.Thumbprint);
            return MailFlowCli.Success;
        }));
        return command;
    }

    private static Command Enable(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var thumbprint = new Argument<string>("thumbprint");
        var services = new Option<string>("--services", "--Services") { Description = "Services to add, e.g. SMTP (services already enabled stay enabled)", Required = true };
        var command = new Command("enable", "Enable-ExchangeCertificate: enable services (additive)") { thumbprint, services };
        command.SetAction(wrap(context =>
        {
            var updated = Commands(context).Enable(context.Parse.GetValue(thumbprint)!, ParseServices(context.Parse.GetValue(services))!.Value);
            context.Output.Out.WriteLine($"{updated.Thumbprint} Services: {ExchangeServicesText.Format(updated.Services)}");
            CommonCommands.NoteAppliesAtRestart(context, "certificate choices of the connectors");
            return MailFlowCli.Success;
        }));
        return command;
    }

    private static Command Remove(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var thumbprint = new Argument<string>("thumbprint");
        var command = new Command("remove", "Remove-ExchangeCertificate (refused while a connector's TlsCertificateName names it)") { thumbprint };
        command.SetAction(wrap(context =>
        {
            Commands(context).Remove(context.Parse.GetValue(thumbprint)!);
            context.Output.Out.WriteLine($"Removed {context.Parse.GetValue(thumbprint)}.");
            return MailFlowCli.Success;
        }));
        return command;
    }

    private static Command ExplainSelection(Func<Func<CommandContext, int>, Func<ParseResult, int>> wrap)
    {
        var identity = new Argument<string?>("connector") { Description = "Receive connector identity, e.g. \"SERVER1\\Default Frontend SERVER1\" (default: every connector)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("explain-selection", "Which certificate each receive connector presents for STARTTLS, and why (Exchange's selection rules)") { identity };
        command.SetAction(wrap(context =>
        {
            var commands = Commands(context);
            var connector = context.Parse.GetValue(identity);
            var decisions = connector is null ? commands.ExplainAllSelections() : [commands.ExplainSelection(connector)];
            if (context.Output.Json)
            {
                if (connector is null)
                {
                    context.Output.WriteJson(decisions, json => json.IReadOnlyListCertificateSelectionDecision);
                }
                else
                {
                    context.Output.WriteJson(decisions[0], json => json.CertificateSelectionDecision);
                }
            }
            else
            {
                foreach (var decision in decisions)
                {
                    WriteDecision(context, decision);
                }
            }

            return MailFlowCli.Success;
        }));
        return command;
    }

    private static void WriteDecision(CommandContext context, CertificateSelectionDecision decision)
    {
        var output = context.Output;
        output.Out.WriteLine(decision.ConnectorIdentity);
        var searched = decision.Path switch
        {
            SelectionPath.TlsNotEnabled => "(nothing: AuthMechanism has no Tls)",
            SelectionPath.TlsCertificateName => $"{decision.SearchedFor} (TlsCertificateName)",
            SelectionPath.ConnectorFqdn => $"{decision.SearchedFor} (connector Fqdn; TlsCertificateName is empty)",
            _ => $"{decision.SearchedFor} (server FQDN; connector has neither TlsCertificateName nor Fqdn)",
        };
        var presents = decision.Certificate is { } chosen
            ? $"{chosen.Subject} issued by {chosen.Issuer} ({chosen.Thumbprint}); STARTTLS is offered"
            : "no certificate; STARTTLS is not offered";
        output.WriteFormatList(
        [
            new("  Searched for", searched),
            new("  Tie-break", decision.TieBreak.ToString()),
            new("  Presents", presents),
            new("  Why", decision.Reason),
        ]);
        output.WriteTable(
            ["#", "Verdict", "Thumbprint", "Subject", "NotBefore", "NotAfter", "Reason"],
            decision.Candidates.Select(c => (IReadOnlyList<string>)
            [
                c.Rank?.ToString(CultureInfo.InvariantCulture) ?? "-",
                c.Verdict.ToString(),
                c.Thumbprint,
                c.Subject,
                c.NotBefore.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                c.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                c.Reason,
            ]), "no certificate in the store is a candidate");

        foreach (var e in decision.Events)
        {
            output.Out.WriteLine($"  Event {e.EventId} ({e.Level}): {e.Message}");
        }

        foreach (var warning in decision.Warnings)
        {
            output.Out.WriteLine($"  Warning: {warning}");
        }

        output.Out.WriteLine();
    }

    private static void WriteCreated(CommandContext context, string thumbprint)
    {
        var created = Commands(context).Get(thumbprint);
        if (context.Output.Json)
        {
            context.Output.WriteJson(created, json => json.ExchangeCertificateProperties);
        }
        else
        {
            context.Output.WriteTable(["Thumbprint", "Services", "Subject"], [[created.Thumbprint, created.Services, created.Subject]], string.Empty);
        }
    }

    private static ExchangeServices? ParseServices(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return ExchangeServicesText.TryParse(text, out var services, out var error)
            ? services
            : throw ParameterValue.Invalid("Services", text, error ?? "services");
    }

    private static string? Password(CommandContext context, Option<string?> passwordFile)
    {
        if (context.Parse.GetValue(passwordFile) is { } file)
        {
            try
            {
                return File.ReadLines(file).FirstOrDefault() ?? string.Empty;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new MailFlowException($"password file '{file}' cannot be read: {ex.Message}", ex, MailFlowErrorKind.InvalidArgument);
            }
        }

        return Environment.GetEnvironmentVariable(PasswordEnvironmentVariable);
    }

    private static ExchangeCertificateCommands Commands(CommandContext context) => new(context.Administration);
}
