using System.Globalization;
using System.Net;
using System.Text;

namespace MailFlow.Diagnostics.Diagnose;

/// <summary>
/// The report's timeline as inline SVG: a lane per server and connector, a mark per session at its start
/// coloured by the certificate it presented (hollow when it presented none), the failure's LRT and the
/// observed changes as lines, a UTC axis. Sessions too close to tell apart on a lane are drawn as one
/// larger mark per certificate with a count, so a burst stays readable. Every value from the evidence is
/// encoded; each mark carries a <c>title</c> so hovering names the sessions behind it.
/// </summary>
internal static class HtmlTimeline
{
    private const double Width = 1000;
    private const double PlotLeft = 40;
    private const double PlotRight = Width - 40;
    private const double TopRow = 30;
    private const double LabelHeight = 16;
    private const double RowStep = 22;
    private const double LaneGap = 8;
    private const double MarkRadius = 6;
    private const double AggregateRadius = 9;

    /// <summary>Marks closer than this on one lane are one mark: two circles nearer would cover each other.</summary>
    private const double ClusterPixels = 20;

    private const string NoCertificateStroke = "#555";

    /// <summary>Colours far apart for the first certificates; more than these get hues spread by the golden angle.</summary>
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    private static readonly (long Seconds, string Format)[] TickSteps =
    [
        (1, "HH:mm:ss"), (2, "HH:mm:ss"), (5, "HH:mm:ss"), (10, "HH:mm:ss"), (15, "HH:mm:ss"), (30, "HH:mm:ss"),
        (60, "HH:mm"), (120, "HH:mm"), (300, "HH:mm"), (600, "HH:mm"), (900, "HH:mm"), (1800, "HH:mm"),
        (3600, "HH:mm"), (7200, "HH:mm"), (10800, "HH:mm"), (21600, "HH:mm"), (43200, "HH:mm"),
    ];

    private const int MaxTicks = 8;

    /// <summary>
    /// Reads an LRT: Exchange Online writes US format (<c>4/14/2017 1:07:17 PM</c>), some tools ISO 8601;
    /// en-US parsing accepts both. A server writing its own locale (<c>14.04.2017 13:07:17</c>) is not
    /// guessed at: null, and the page says so. Times without a zone are taken as UTC, as Exchange Online's are.
    /// </summary>
    private static DateTime? ParseRetryTime(string text) =>
        DateTime.TryParse(text, CultureInfo.GetCultureInfo("en-US"), DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;

    public static void Append(StringBuilder html, Diagnosis diagnosis)
    {
        // A session whose time the log did not give (read as DateTime's default) has no place on the axis;
        // the text list below still shows it.
        var sessions = diagnosis.Sessions.Where(s => s.Start != default).OrderBy(s => Utc(s.Start)).ToList();
        if (sessions.Count == 0 && diagnosis.Changes.Count == 0)
        {
            return;
        }

        var lrtText = diagnosis.Reason?.LastRetryTime;
        var lrt = lrtText is null ? null : ParseRetryTime(lrtText);
        var changes = diagnosis.Changes.OrderBy(c => Utc(c.At)).ToList();
        var colours = Colours(sessions);
        var lanes = sessions.GroupBy(s => (Server: ServerOf(s), s.Connector))
            .OrderBy(g => g.Key.Server, StringComparer.OrdinalIgnoreCase).ThenBy(g => g.Key.Connector, StringComparer.OrdinalIgnoreCase)
            .Select(g => new Lane(g.Key.Server, g.Key.Connector, g.ToList()))
            .ToList();

        var times = sessions.Select(s => Utc(s.Start)).Concat(changes.Select(c => Utc(c.At))).Concat(lrt is { } l ? [l] : []).ToList();
        var axis = new Axis(times.Min(), times.Max());

        var svg = new StringBuilder();
        var y = TopRow;
        foreach (var lane in lanes)
        {
            lane.Marks = Marks(lane.Sessions, axis, colours);
            lane.Top = y;
            lane.BandTop = y + LabelHeight;
            lane.BandHeight = (lane.Marks.Count == 0 ? 1 : lane.Marks.Max(m => m.Row) + 1) * RowStep + 6;
            y = lane.BandTop + lane.BandHeight + LaneGap;
        }

        var axisY = y;
        var height = axisY + 44;
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(Width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(Width)} {N(height)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{sessions.Count} session(s) on {lanes.Count} lane(s), {changes.Count} change(s), times in UTC</title>");
        // Painted in this order so that lines lie over the bands, labels (with a white halo) over lines, and
        // marks over everything: a session is never hidden behind a line.
        foreach (var lane in lanes)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"lane-band\" x=\"8\" y=\"{N(lane.BandTop)}\" width=\"{N(Width - 16)}\" height=\"{N(lane.BandHeight)}\" fill=\"#f1f3f5\"/>");
        }

        AppendAxis(svg, axis, axisY);
        for (var i = 0; i < changes.Count; i++)
        {
            AppendChange(svg, i + 1, changes[i], axis, lanes, axisY);
        }

        if (lrt is { } failed)
        {
            var x = axis.X(failed);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"lrt\"><title>the failure: last retry (LRT) {E(lrtText)}, {failed:u}</title>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x)}\" y1=\"4\" x2=\"{N(x)}\" y2=\"{N(axisY)}\" stroke=\"#c00\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x + (x > Width / 2 ? -4 : 4))}\" y=\"14\" text-anchor=\"{(x > Width / 2 ? "end" : "start")}\" fill=\"#c00\">failure (LRT)</text></g>");
        }

        foreach (var lane in lanes)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"lane\"><text class=\"lane-label\" x=\"8\" y=\"{N(lane.Top + 12)}\">{E(lane.Server)} · {E(lane.Connector)}</text>");
            foreach (var mark in lane.Marks)
            {
                AppendMark(svg, mark, lane.BandTop + 3 + mark.Row * RowStep + RowStep / 2);
            }

            svg.Append("</g>");
        }

        svg.Append("</svg>");

        html.Append("<h2>Timeline</h2>");
        if (lrtText is not null && lrt is null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"lrt-unread\">The reason's last retry time (LRT) “{E(lrtText)}” is in neither US nor ISO format, so the failure is not drawn.</p>");
        }

        html.Append(svg);
        AppendLegend(html, sessions, colours);
        if (changes.Count > 0)
        {
            html.Append("<table class=\"changes\"><tr><th>#</th><th>time (UTC)</th><th>where</th><th>change</th></tr>");
            for (var i = 0; i < changes.Count; i++)
            {
                var c = changes[i];
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{i + 1}</td><td>{Utc(c.At):u}</td><td>{E(Where(c))}</td><td>{E(c.What)}</td></tr>");
            }

            html.Append("</table>");
        }
    }

    /// <summary>Lanes are per server: the logged local address, else the server name a connector id starts with (<c>SERVER1\Default Frontend SERVER1</c>).</summary>
    private static string ServerOf(SessionSummary session) =>
        session.Server is { } endpoint ? AddressOf(endpoint) : NameIn(session.Connector) ?? "server unknown";

    private static string AddressOf(string endpoint)
    {
        if (IPEndPoint.TryParse(endpoint, out var parsed))
        {
            return parsed.Address.ToString();
        }

        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && endpoint.IndexOf(':') == colon && endpoint[(colon + 1)..].All(char.IsAsciiDigit) ? endpoint[..colon] : endpoint;
    }

    private static string? NameIn(string connector)
    {
        var slash = connector.IndexOf('\\');
        return slash > 0 ? connector[..slash] : null;
    }

    /// <summary>The key a session is coloured by: its thumbprint, else the subject when only that was logged; null for no certificate.</summary>
    private static string? CertificateKey(SessionSummary session) =>
        session.CertificateThumbprint?.ToUpperInvariant() ?? session.CertificateSubject;

    private static Dictionary<string, string> Colours(List<SessionSummary> sessions)
    {
        var colours = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in sessions.Select(CertificateKey).OfType<string>())
        {
            if (!colours.ContainsKey(key))
            {
                var i = colours.Count;
                colours[key] = i < Palette.Length ? Palette[i] : string.Create(CultureInfo.InvariantCulture, $"hsl({i * 137.508 % 360:0},65%,42%)");
            }
        }

        return colours;
    }

    /// <summary>
    /// Sessions within <see cref="ClusterPixels"/> of the first of a run share one place; within it each
    /// certificate gets its own row of the lane and one mark, at the earliest of its sessions.
    /// </summary>
    private static List<Mark> Marks(List<SessionSummary> sessions, Axis axis, Dictionary<string, string> colours)
    {
        var marks = new List<Mark>();
        var i = 0;
        while (i < sessions.Count)
        {
            var startX = axis.X(Utc(sessions[i].Start));
            var run = sessions.Skip(i).TakeWhile(s => axis.X(Utc(s.Start)) - startX < ClusterPixels).ToList();
            var row = 0;
            foreach (var group in run.GroupBy(CertificateKey))
            {
                var members = group.ToList();
                marks.Add(new Mark(axis.X(Utc(members[0].Start)), row++, group.Key is null ? null : colours[group.Key], members));
            }

            i += run.Count;
        }

        return marks;
    }

    private static void AppendMark(StringBuilder svg, Mark mark, double y)
    {
        var first = mark.Sessions[0];
        var certificate = first.CertificateSubject is null && first.CertificateThumbprint is null
            ? first.StartTlsOffered ? "STARTTLS offered, no certificate logged" : "no TLS, no certificate"
            : $"certificate {first.CertificateSubject} ({first.CertificateThumbprint ?? "thumbprint not logged"})";
        var title = new StringBuilder();
        if (mark.Sessions.Count == 1)
        {
            title.Append(CultureInfo.InvariantCulture, $"session {first.SessionId} from {first.Remote} at {Utc(first.Start):u}\n{certificate}");
        }
        else
        {
            title.Append(CultureInfo.InvariantCulture, $"{mark.Sessions.Count} sessions {Utc(first.Start):u} to {Utc(mark.Sessions[^1].Start):u}\n{certificate}");
            foreach (var s in mark.Sessions.Take(10))
            {
                title.Append(CultureInfo.InvariantCulture, $"\nsession {s.SessionId} from {s.Remote} at {Utc(s.Start):HH:mm:ss}");
            }

            if (mark.Sessions.Count > 10)
            {
                title.Append(CultureInfo.InvariantCulture, $"\nand {mark.Sessions.Count - 10} more");
            }
        }

        var radius = mark.Sessions.Count == 1 ? MarkRadius : AggregateRadius;
        var paint = mark.Colour is null ? $"fill=\"#fff\" stroke=\"{NoCertificateStroke}\" stroke-width=\"2\"" : $"fill=\"{mark.Colour}\"";
        svg.Append(CultureInfo.InvariantCulture, $"<g class=\"mark\"><title>{E(title.ToString())}</title><circle cx=\"{N(mark.X)}\" cy=\"{N(y)}\" r=\"{N(radius)}\" {paint}/>");
        if (mark.Sessions.Count > 1)
        {
            var count = mark.Sessions.Count > 99 ? "99+" : mark.Sessions.Count.ToString(CultureInfo.InvariantCulture);
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"count\" x=\"{N(mark.X)}\" y=\"{N(y + 3.5)}\" text-anchor=\"middle\" fill=\"{(mark.Colour is null ? "#222" : "#fff")}\">{count}</text>");
        }

        svg.Append("</g>");
    }

    private static void AppendAxis(StringBuilder svg, Axis axis, double y)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<g class=\"axis\"><line x1=\"{N(PlotLeft)}\" y1=\"{N(y)}\" x2=\"{N(PlotRight)}\" y2=\"{N(y)}\" stroke=\"#444\"/>");
        DateTime? previous = null;
        foreach (var (tick, format) in axis.Ticks())
        {
            var x = axis.X(tick);
            // The date is written under the first tick and wherever the day changes; the time alone elsewhere.
            var date = previous?.Date == tick.Date && format.Length > 0 ? string.Empty : tick.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var label = format.Length == 0 ? date : tick.ToString(format, CultureInfo.InvariantCulture);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"tick\"><line x1=\"{N(x)}\" y1=\"{N(y)}\" x2=\"{N(x)}\" y2=\"{N(y + 5)}\" stroke=\"#444\"/><text x=\"{N(x)}\" y=\"{N(y + 18)}\" text-anchor=\"middle\">{label}</text>");
            if (format.Length > 0 && date.Length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick-date\" x=\"{N(x)}\" y=\"{N(y + 32)}\" text-anchor=\"middle\">{date}</text>");
            }

            svg.Append("</g>");
            previous = tick;
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(Width - 8)}\" y=\"{N(y + 18)}\" text-anchor=\"end\">UTC</text></g>");
    }

    /// <summary>
    /// A change with a place is drawn on the lanes it names; one naming no place, or a place no lane shows,
    /// across all of them. Its number leads to the table under the chart, where the full text is.
    /// </summary>
    private static void AppendChange(StringBuilder svg, int number, ObservedChange change, Axis axis, List<Lane> lanes, double axisY)
    {
        var x = axis.X(Utc(change.At));
        var on = change.Server is null && change.Connector is null ? [] : lanes.Where(l => Matches(l, change)).ToList();
        svg.Append(CultureInfo.InvariantCulture, $"<g class=\"change\"><title>change {number} at {Utc(change.At):u} ({E(Where(change))}): {E(change.What)}</title>");
        if (on.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x)}\" y1=\"20\" x2=\"{N(x)}\" y2=\"{N(axisY)}\" stroke=\"#333\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x)}\" y=\"{N(TopRow - 12)}\" text-anchor=\"middle\" font-weight=\"bold\">{number}</text>");
        }

        foreach (var lane in on)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x)}\" y1=\"{N(lane.BandTop)}\" x2=\"{N(x)}\" y2=\"{N(lane.BandTop + lane.BandHeight)}\" stroke=\"#333\" stroke-width=\"2\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x + 3)}\" y=\"{N(lane.BandTop - 3)}\" font-weight=\"bold\">{number}</text>");
        }

        svg.Append("</g>");
    }

    private static bool Matches(Lane lane, ObservedChange change) =>
        (change.Server is null || string.Equals(AddressOf(change.Server), lane.Server, StringComparison.OrdinalIgnoreCase)
            || string.Equals(change.Server, NameIn(lane.Connector), StringComparison.OrdinalIgnoreCase))
        && (change.Connector is null || string.Equals(change.Connector, lane.Connector, StringComparison.OrdinalIgnoreCase));

    private static string Where(ObservedChange change) =>
        change.Server is null && change.Connector is null ? "everywhere" : string.Join(" · ", new[] { change.Server, change.Connector }.OfType<string>());

    private static void AppendLegend(StringBuilder html, List<SessionSummary> sessions, Dictionary<string, string> colours)
    {
        html.Append("<ul class=\"legend\">");
        foreach (var (key, colour) in colours)
        {
            var sample = sessions.First(s => CertificateKey(s) == key);
            html.Append(CultureInfo.InvariantCulture, $"<li class=\"legend-item\"><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" r=\"6\" fill=\"{colour}\"/></svg> {E(sample.CertificateSubject ?? "subject not logged")} <span class=\"src\">{E(sample.CertificateThumbprint ?? "thumbprint not logged")}</span></li>");
        }

        if (sessions.Any(s => CertificateKey(s) is null))
        {
            html.Append(CultureInfo.InvariantCulture, $"<li class=\"legend-item\"><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" r=\"5\" fill=\"#fff\" stroke=\"{NoCertificateStroke}\" stroke-width=\"2\"/></svg> no certificate presented (no TLS)</li>");
        }

        html.Append("<li>larger marks with a number: that many sessions too close together to draw apart</li><li>red dashed line: the failure (LRT); numbered lines: changes</li></ul>");
    }

    /// <summary>Log times are UTC; one given as local time is converted, one of no kind taken as UTC.</summary>
    private static DateTime Utc(DateTime time) =>
        time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    private sealed record Mark(double X, int Row, string? Colour, List<SessionSummary> Sessions);

    private sealed class Lane(string server, string connector, List<SessionSummary> sessions)
    {
        public string Server { get; } = server;

        public string Connector { get; } = connector;

        public List<SessionSummary> Sessions { get; } = sessions;

        public List<Mark> Marks { get; set; } = [];

        public double Top { get; set; }

        public double BandTop { get; set; }

        public double BandHeight { get; set; }
    }

    /// <summary>Maps UTC times linearly onto the plot, with a little room either side; a single instant gets a minute around it.</summary>
    private sealed class Axis
    {
        private readonly DateTime from;
        private readonly double seconds;

        public Axis(DateTime first, DateTime last)
        {
            if (last - first < TimeSpan.FromMinutes(1))
            {
                var middle = first + (last - first) / 2;
                (first, last) = (middle.AddSeconds(-30), middle.AddSeconds(30));
            }

            var pad = (last - first) * 0.04;
            from = first - pad;
            seconds = (last + pad - from).TotalSeconds;
        }

        public double X(DateTime time) => PlotLeft + (time - from).TotalSeconds / seconds * (PlotRight - PlotLeft);

        /// <summary>Round times, at most <see cref="MaxTicks"/>; past half a day a step is whole days and the label only the date.</summary>
        public IEnumerable<(DateTime At, string Format)> Ticks()
        {
            var (step, format) = TickSteps.FirstOrDefault(s => seconds / s.Seconds <= MaxTicks);
            if (step == 0)
            {
                (step, format) = ((long)Math.Ceiling(seconds / MaxTicks / 86400) * 86400, string.Empty);
            }

            var start = from.Ticks / TimeSpan.TicksPerSecond;
            for (var t = (start + step - 1) / step * step; t <= start + seconds; t += step)
            {
                yield return (new DateTime(t * TimeSpan.TicksPerSecond, DateTimeKind.Utc), format);
            }
        }
    }
}
