using System.Globalization;
using MailFlow.Queue;
using MimeKit;

namespace MailFlow.Transport.Delivery;

/// <summary>A recipient that could not be delivered, with the status Exchange reports for it.</summary>
public sealed record FailedRecipient(string Address, string Status);

/// <summary>
/// Builds an RFC 3464 delivery status notification (multipart/report; report-type=delivery-status) with
/// MimeKit: a human-readable part, the machine-readable message/delivery-status part, and the original
/// headers (RET=HDRS, the default) or the whole original message (RET=FULL).
/// </summary>
public static class NonDeliveryReport
{
    public static MimeMessage Build(SpooledMessage original, IReadOnlyList<FailedRecipient> failed, string reportingMta, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(failed);
        var originalMessage = MimeMessage.Load(new MemoryStream(original.Content.ToArray(), writable: false));
        var report = new MimeMessage();
        report.From.Add(new MailboxAddress("Mail Delivery System", $"postmaster@{reportingMta}"));
        report.To.Add(MailboxAddress.Parse(original.Envelope.MailFrom));
        report.Subject = "Undeliverable: " + (originalMessage.Subject ?? string.Empty);
        report.Date = now;
        report.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(reportingMta);
        if (!string.IsNullOrEmpty(originalMessage.MessageId))
        {
            report.InReplyTo = originalMessage.MessageId;
        }

        var human = new TextPart("plain")
        {
            Text = "Delivery has failed to these recipients:\r\n\r\n"
                + string.Concat(failed.Select(f => $"{f.Address}\r\n    {f.Status}\r\n"))
                + $"\r\nThe message was received by {reportingMta} on {original.Envelope.ReceivedUtc.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)}.\r\n",
        };

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", $"dns; {reportingMta}" },
            { "Arrival-Date", MimeKit.Utils.DateUtils.FormatDate(original.Envelope.ReceivedUtc) },
        };
        if (original.Envelope.EnvelopeId is { } envid)
        {
            perMessage.Add("Original-Envelope-Id", envid);
        }

        status.StatusGroups.Add(perMessage);
        foreach (var recipient in failed)
        {
            status.StatusGroups.Add(new HeaderList
            {
                { "Final-Recipient", $"rfc822; {recipient.Address}" },
                { "Action", "failed" },
                { "Status", EnhancedCode(recipient.Status) },
                { "Diagnostic-Code", $"smtp; {recipient.Status}" },
            });
        }

        MimeEntity returned = original.Envelope.Ret == "FULL"
            ? new MessagePart { Message = originalMessage }
            : new TextRfc822Headers(originalMessage.Headers);
        var multipart = new MultipartReport("delivery-status") { human, status, returned };
        report.Body = multipart;
        return report;
    }

    /// <summary>The enhanced code in a reply such as "550 4.4.7 QUEUE.Expired; message expired" (4.4.7), else 5.0.0.</summary>
    public static string EnhancedCode(string status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var parts = status.Split(' ', 3);
        return parts.Length > 1 && parts[1].Count(c => c == '.') == 2 && char.IsDigit(parts[1][0]) ? parts[1] : "5.0.0";
    }

    /// <summary>text/rfc822-headers (RFC 6522): the returned headers of the original message.</summary>
    private sealed class TextRfc822Headers : MimePart
    {
        public TextRfc822Headers(HeaderList headers)
            : base("text", "rfc822-headers")
        {
            var stream = new MemoryStream();
            headers.WriteTo(stream);
            stream.Position = 0;
            Content = new MimeContent(stream);
        }
    }
}
