using System.Globalization;
using System.Net;
using System.Text;

namespace MailFlow.Diagnostics.Diagnose;

/// <summary>
/// <c>mailflow diagnose --html FILE</c>: one self-contained page — findings with evidence and the fix,
/// the selection replay, a timeline drawn in inline SVG (<see cref="HtmlTimeline"/>) and each TLS
/// conversation as text. Inline CSS, no scripts, no external assets, every value HTML-encoded.
/// </summary>
public static class HtmlReport
{
    public static string Render(Diagnosis diagnosis)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>MailFlow diagnosis</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#222}
            h1{font-size:1.4em} h2{font-size:1.15em;margin-top:1.6em} .High{color:#a00} .Medium{color:#a60} .Low{color:#555}
            pre{background:#f4f4f4;padding:.6em;overflow-x:auto} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
            .src{font-family:monospace;font-size:.9em;color:#333}
            svg.timeline{max-width:100%;height:auto} svg.timeline text{font-size:12px;font-family:system-ui,sans-serif} svg.timeline .lane-label,svg.timeline .change text{paint-order:stroke;stroke:#fff;stroke-width:3px}
            .legend{list-style:none;padding:0} .legend li{display:inline-block;margin-right:1.5em} .legend svg{vertical-align:middle}
            </style></head><body>
            <h1>MailFlow diagnosis</h1>
            """);
        html.Append(CultureInfo.InvariantCulture, $"<p>{diagnosis.SessionsRead} protocol-log session(s) read; {diagnosis.Malformed.Count} line(s) not understood.</p>");
        if (diagnosis.Reason is { } reason)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>Reason</h2><pre>{E(reason.Input)}</pre>");
        }

        foreach (var finding in diagnosis.Findings)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2 class=\"{finding.Confidence}\">{E(finding.RootCause)} [{finding.Confidence}] {E(finding.Title)}</h2><table><tr><th>evidence</th><th>says</th></tr>");
            foreach (var evidence in finding.Evidence)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"src\">{E(evidence.Source)}</td><td>{E(evidence.Says)}</td></tr>");
            }

            html.Append("</table>");
            if (finding.Missing.Count > 0)
            {
                html.Append("<p>To be sure: ").Append(string.Join("; ", finding.Missing.Select(E))).Append("</p>");
            }

            html.Append(CultureInfo.InvariantCulture, $"<p>Fix:</p><pre>{E(string.Join(Environment.NewLine, finding.Fix))}</pre>");
        }

        if (diagnosis.Predictions.Count > 0)
        {
            html.Append("<h2>Certificate selection replayed on the dumps</h2><table><tr><th>connector</th><th>searched for</th><th>Exchange picks</th><th>the log shows</th></tr>");
            foreach (var p in diagnosis.Predictions)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(p.Connector)}</td><td>{E(p.SearchedFor)}</td><td>{E(p.PredictedSubject)} {E(p.PredictedThumbprint)}</td><td>{E(p.LoggedSubject)} {E(p.LoggedThumbprint)}</td></tr>");
            }

            html.Append("</table>");
        }

        HtmlTimeline.Append(html, diagnosis);
        if (diagnosis.Sessions.Count > 0)
        {
            html.Append("<h2>TLS conversations</h2>");
            foreach (var session in diagnosis.Sessions)
            {
                html.Append(CultureInfo.InvariantCulture, $"<h3>{E(session.Connector)} session {E(session.SessionId)} from {E(session.Remote)} at {session.Start:u}</h3>");
                html.Append(CultureInfo.InvariantCulture, $"<p>EHLO {E(session.Ehlo)}; STARTTLS {(session.StartTlsOffered ? "offered" : "not seen")}; sent {E(session.CertificateSubject)} {E(session.CertificateThumbprint)}; {E(session.TlsResult)}</p>");
                html.Append(CultureInfo.InvariantCulture, $"<pre>{E(string.Join(Environment.NewLine, session.Lines))}</pre>");
            }
        }

        foreach (var note in diagnosis.Notes)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p><em>{E(note)}</em></p>");
        }

        return html.Append("</body></html>\n").ToString();
    }

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);
}
