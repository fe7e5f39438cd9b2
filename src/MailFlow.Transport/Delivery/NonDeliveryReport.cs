using System.Globalization;
using MailFlow.Queue;
using MimeKit;

namespace MailFlow.Transport.Delivery;

/// <summary>A recipient that could not be delivered (yet), with the status Exchange reports for it.</summary>
public sealed record FailedRecipient(string Address, string Status);

/// <summary>Which RFC 3464 report: a final failure (NDR) or a delay notice.</summary>
public enum ReportAction
{
    Failed,
    Delayed,
}

/// <summary>
/// Builds an RFC 3464 delivery status notification (multipart/report; report-type=delivery-status) with
/// MimeKit: a human-readable part, the machine-readable message/delivery-status part, and the original
/// headers (RET=HDRS, the default) or the whole original message (RET=FULL).
/// </summary>
public static class NonDeliveryReport
{
    /// <summary>
    /// The recipients whose RFC 3461 NOTIFY asks for this kind of report. Without NOTIFY a failure is
    /// always reported and a delay is too (RFC 3461 §4.1 leaves the default to the MTA; Exchange sends both).
    /// </summary>
    public static List<FailedRecipient> Wanted(SpooledEnvelope envelope, IEnumerable<FailedRecipient> recipients, ReportAction action)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var keyword = action == ReportAction.Failed ? "FAILURE" : "DELAY";
        return recipients.Where(r =>
        {
            var notify = envelope.Recipients.FirstOrDefault(e => string.Equals(e.Address, r.Address, StringComparison.OrdinalIgnoreCase))?.Notify;
            return notify is null || notify.Split(',').Contains(keyword, StringComparer.OrdinalIgnoreCase);
        }).ToList();
    }

    public static MimeMessage Build(SpooledMessage original, IReadOnlyList<FailedRecipient> failed, string reportingMta, DateTimeOffset now, ReportAction action = ReportAction.Failed, DateTimeOffset? willRetryUntil = null)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(failed);
        var originalMessage = MimeMessage.Load(new MemoryStream(original.Content.ToArray(), writable: false));
        var report = new MimeMessage();
        report.From.Add(new MailboxAddress("Mail Delivery System", $"postmaster@{reportingMta}"));
        report.To.Add(MailboxAddress.Parse(original.Envelope.MailFrom));
        report.Subject = (action == ReportAction.Failed ? "Undeliverable: " : "Delivery delayed: ") + (originalMessage.Subject ?? string.Empty);
        report.Date = now;
        report.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(reportingMta);
        if (!string.IsNullOrEmpty(originalMessage.MessageId))
        {
            report.InReplyTo = originalMessage.MessageId;
        }

        var human = new TextPart("plain")
        {
            Text = (action == ReportAction.Failed ? "Delivery has failed to these recipients:\r\n\r\n" : "Message delayed. Delivery to these recipients has not succeeded yet:\r\n\r\n")
                + string.Concat(failed.Select(f => $"{f.Address}\r\n    {f.Status}\r\n"))
                + $"\r\nThe message was received by {reportingMta} on {original.Envelope.ReceivedUtc.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)}.\r\n"
                + (willRetryUntil is { } until ? $"The server will keep trying until {until.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)}; no action is needed now.\r\n" : string.Empty),
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
            var group = new HeaderList
            {
                { "Final-Recipient", $"rfc822; {recipient.Address}" },
                { "Action", action == ReportAction.Failed ? "failed" : "delayed" },
                { "Status", EnhancedCode(recipient.Status) },
                { "Diagnostic-Code", $"smtp; {recipient.Status}" },
            };
            if (willRetryUntil is { } retryUntil)
            {
                group.Add("Will-Retry-Until", MimeKit.Utils.DateUtils.FormatDate(retryUntil)); // RFC 3464 §2.3.8
            }

            status.StatusGroups.Add(group);
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
