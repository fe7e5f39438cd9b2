using System.Buffers;
using System.Text;
using MailFlow.Smtp.Protocol;

namespace MailFlow.Smtp.Session;

/// <summary>AUTH PLAIN and LOGIN (RFC 4954, RFC 4616). Secrets are never logged: AUTH lines appear as <c>AUTH PLAIN ****</c>.</summary>
internal sealed partial class SmtpSession
{
    private enum AuthStep
    {
        PlainResponse,
        LoginUser,
        LoginPassword,
    }

    private sealed class AuthExchange
    {
        public AuthStep Step { get; set; }

        public string? User { get; set; }

        public string? Password { get; set; }
    }

    private Next Auth(string argument)
    {
        if (!connector.OffersAuth(IsTls))
        {
            return ProtocolError(connector.Connector.AuthMechanism.HasFlag(Configuration.Model.AuthMechanisms.BasicAuth) ? SmtpReplies.EncryptionRequiredForAuth : SmtpReplies.AuthNotAdvertised);
        }

        if (helo is null || !extended)
        {
            return ProtocolError(SmtpReplies.SendHelloFirst);
        }

        if (authenticatedUser is not null)
        {
            return ProtocolError(SmtpReplies.AlreadyAuthenticated);
        }

        if (envelope is not null)
        {
            return ProtocolError("503 5.5.1 AUTH is not allowed during a mail transaction");
        }

        var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        var mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : string.Empty;
        var initial = parts.Length > 1 ? parts[1] : null;
        switch (mechanism)
        {
            case "PLAIN":
                auth = new AuthExchange { Step = AuthStep.PlainResponse };
                if (initial is null)
                {
                    return Reply("334 ");
                }

                return ReceivePlain(initial == "=" ? string.Empty : initial);
            case "LOGIN":
                auth = new AuthExchange { Step = AuthStep.LoginUser };
                if (initial is null)
                {
                    return Reply("334 VXNlcm5hbWU6"); // "Username:"
                }

                return ContinueLogin(initial);
            default:
                return ProtocolError(SmtpReplies.AuthNotAdvertised);
        }
    }

    /// <summary>A line received while an AUTH exchange is open is the client's response, not a command.</summary>
    private Next ContinueAuth(in ReadOnlySequence<byte> line)
    {
        log.Received("****");
        var text = Encoding.ASCII.GetString(line);
        if (text == "*")
        {
            auth = null;
            return ProtocolError(SmtpReplies.AuthCancelled);
        }

        return auth!.Step == AuthStep.PlainResponse ? ReceivePlain(text) : ContinueLogin(text);
    }

    private Next ReceivePlain(string base64)
    {
        if (SaslDecoder.DecodePlain(base64) is not { } credentials)
        {
            auth = null;
            return ProtocolError(SmtpReplies.AuthBadEncoding);
        }

        auth!.User = credentials.User;
        auth.Password = credentials.Password;
        return Next.VerifyCredentials;
    }

    private Next ContinueLogin(string base64)
    {
        var decoded = SaslDecoder.DecodeText(base64);
        if (decoded is null)
        {
            auth = null;
            return ProtocolError(SmtpReplies.AuthBadEncoding);
        }

        if (auth!.Step == AuthStep.LoginUser)
        {
            auth.User = decoded;
            auth.Step = AuthStep.LoginPassword;
            return Reply("334 UGFzc3dvcmQ6"); // "Password:"
        }

        auth.Password = decoded;
        return Next.VerifyCredentials;
    }

    private async Task<bool> VerifyCredentialsAsync()
    {
        var exchange = auth!;
        auth = null;
        if (await context.VerifyAsync(exchange.User!, exchange.Password!))
        {
            authenticatedUser = exchange.User;
            permissions = PermissionGroupRights.For(connector.Connector.PermissionGroups, authenticated: true);
            log.Information(exchange.User, "authenticated");
            log.Information(PermissionGroupRights.Describe(permissions), "Set Session Permissions");
            Reply(SmtpReplies.AuthSucceeded);
            return true;
        }

        log.Information(exchange.User, "authentication failed");
        await Task.Delay(connector.Connector.AuthTarpitInterval, context.Time, lifetime.Token);
        Reply(SmtpReplies.AuthFailed);
        if (++logonFailures >= connector.Connector.MaxLogonFailures)
        {
            Reply(SmtpReplies.TooManyErrors);
            return false;
        }

        return true;
    }

    private static string Redact(SmtpCommand command)
    {
        var space = command.Argument.IndexOf(' ', StringComparison.Ordinal);
        var mechanism = space < 0 ? command.Argument : command.Argument[..space];
        return space < 0 ? $"AUTH {mechanism}" : $"AUTH {mechanism} ****";
    }
}
