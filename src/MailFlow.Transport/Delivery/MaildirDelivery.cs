using System.Globalization;
using System.Text;
using MailFlow.Core.Errors;
using MailFlow.Core.Storage;

namespace MailFlow.Transport.Delivery;

/// <summary>
/// Local delivery in the Maildir convention (cr.yp.to/proto/maildir.html): the message is written to
/// <c>tmp/</c> under a unique name, fsynced, renamed into <c>new/</c>, and <c>new/</c> is fsynced, so a
/// reader never sees a partial message and a delivered one survives a crash. Mailboxes live at
/// <c>&lt;data&gt;/mailboxes/&lt;domain&gt;/&lt;local-part&gt;/Maildir</c>.
/// </summary>
public sealed class MaildirDelivery
{
    private static long counter;
    private readonly string mailboxesRoot;
    private readonly string hostname;
    private readonly TimeProvider time;

    public MaildirDelivery(string mailboxesRoot, string hostname, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mailboxesRoot);
        ArgumentException.ThrowIfNullOrWhiteSpace(hostname);
        this.mailboxesRoot = Path.GetFullPath(mailboxesRoot);
        this.hostname = hostname.Replace("/", "\\057", StringComparison.Ordinal).Replace(":", "\\072", StringComparison.Ordinal);
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>The Maildir of a mailbox address; the local part is folded to lower case and made safe as one path segment.</summary>
    public string MaildirOf(string mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var at = mailbox.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Length - 1)
        {
            throw new MailFlowException($"\"{mailbox}\" has no local part and domain", MailFlowErrorKind.InvalidArgument);
        }

        var domain = Segment(mailbox[(at + 1)..].TrimEnd('.'));
        var local = Segment(mailbox[..at].Trim('"'));
        return Path.Combine(mailboxesRoot, domain, local, "Maildir");
    }

    /// <summary>Creates the Maildir of a configured mailbox (New-Mailbox does this; delivery does it for postmaster and older mailboxes). Returns its path.</summary>
    public string Create(string mailbox)
    {
        var maildir = MaildirOf(mailbox);
        foreach (var folder in new[] { "tmp", "new", "cur" })
        {
            DurableFile.EnsurePrivateDirectory(Path.Combine(maildir, folder));
        }

        return maildir;
    }

    /// <summary>
    /// Delivers <paramref name="content"/> for <paramref name="recipient"/> into the Maildir of
    /// <paramref name="mailbox"/>, a resolved mailbox address (never a recipient string taken as one), with
    /// <c>Return-Path</c> and <c>Delivered-To</c> in front (RFC 5321 §4.4: the final delivery adds
    /// Return-Path). Returns the path of the file in <c>new/</c>.
    /// </summary>
    public string Deliver(string mailbox, string recipient, string returnPath, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var maildir = Create(mailbox);
        var now = time.GetUtcNow();
        var unique = string.Create(CultureInfo.InvariantCulture,
            $"{now.ToUnixTimeSeconds()}.M{now.Millisecond * 1000}P{Environment.ProcessId}Q{Interlocked.Increment(ref counter)}.{hostname}");
        var temporary = Path.Combine(maildir, "tmp", unique);
        var trace = Encoding.UTF8.GetBytes($"Return-Path: <{returnPath}>\r\nDelivered-To: {recipient}\r\n");
        var bytes = new byte[trace.Length + content.Length];
        trace.CopyTo(bytes, 0);
        content.CopyTo(bytes.AsSpan(trace.Length));
        try
        {
            DurableFile.WriteAndSync(temporary, bytes);
            var destination = Path.Combine(maildir, "new", unique);
            File.Move(temporary, destination);
            DurableFile.SyncDirectory(Path.Combine(maildir, "new"));
            return destination;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>One safe path segment: lower case, no separators, no dot-only names, control characters escaped.</summary>
    private static string Segment(string value)
    {
        var builder = new StringBuilder();
        foreach (var c in value.ToLowerInvariant())
        {
            if (c is '/' or '\\' || char.IsControl(c))
            {
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        var segment = builder.ToString();
        return segment.Length == 0 || segment.Trim('.').Length == 0 ? "%2E" + segment : segment;
    }
}
