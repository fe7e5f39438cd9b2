using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailFlow.Diagnostics.Diagnose;
using MailFlow.Diagnostics.Reasons;

namespace MailFlow.Diagnostics.Tests;

/// <summary>
/// The report's timeline as a real browser draws it: Debian's headless chromium loads the page and a
/// script measures what was laid out (lanes, the colour and place of every mark, the LRT and change
/// lines, the ticks), while the DevTools protocol records every request and error. The same checks
/// run on deliberately broken copies of the page, so they are shown to catch what they look for.
/// </summary>
public sealed partial class TimelineBrowserTests : IDisposable
{
    private const string ThumbprintA = "9876534210FEDCBA9876534210FEDCBA12345678";
    private const string ThumbprintB = "4C0FA622D0D66E777AA123B1AF123456F001AE23";
    private const string Hostile = "<script>alert(1)</script>";
    private const string LaneOne = @"10.0.0.1 · SERVER1\Default Frontend SERVER1";
    private const string LaneTwo = "10.0.0.2 · " + Hostile;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly DateTime Day = new(2017, 4, 14, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Runs in the page after load; everything positional is in CSS pixels of the viewport.</summary>
    private const string Measure = """
        (() => {
          const svg = document.querySelector('svg.timeline');
          svg?.scrollIntoView();
          const box = e => e.getBoundingClientRect();
          const lines = g => [...g.querySelectorAll('line')].map(l => { const r = box(l); return { x: r.x + r.width / 2, top: r.top, bottom: r.bottom }; });
          const bands = svg ? [...svg.querySelectorAll('.lane-band')] : [];
          const lanes = svg ? [...svg.querySelectorAll('g.lane')].map((g, i) => {
            const band = box(bands[i]);
            return { label: g.querySelector('.lane-label').textContent, top: band.top, bottom: band.bottom,
              marks: [...g.querySelectorAll('g.mark')].map(m => {
                const c = m.querySelector('circle'); const r = box(c); const x = r.x + r.width / 2, y = r.y + r.height / 2;
                const style = getComputedStyle(c); const hit = document.elementFromPoint(x, y);
                return { title: m.querySelector('title').textContent, x, y, fill: style.fill, stroke: style.stroke, onTop: hit !== null && m.contains(hit) };
              }) };
          }) : [];
          const legend = [...document.querySelectorAll('.legend-item')].map(li => ({ text: li.textContent, fill: getComputedStyle(li.querySelector('circle')).fill }));
          const lrt = svg?.querySelector('g.lrt');
          return JSON.stringify({
            lanes, legend,
            lrt: lrt ? { title: lrt.querySelector('title').textContent, lines: lines(lrt) } : null,
            changes: svg ? [...svg.querySelectorAll('g.change')].map(g => ({ title: g.querySelector('title').textContent, lines: lines(g) })) : [],
            ticks: svg ? [...svg.querySelectorAll('g.tick')].map(t => ({ time: t.querySelector('text').textContent, date: t.querySelector('.tick-date')?.textContent ?? null, x: lines(t)[0].x })) : [],
            scripts: document.scripts.length,
            text: document.body.innerText,
          });
        })()
        """;

    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("mailflow-timeline-");

    /// <summary>
    /// Two servers, two certificates: 10.0.0.1 presents A until the change at 13:00, B after; 10.0.0.2 (its
    /// connector named like markup) first without TLS, then B, then a burst of five B sessions in five seconds
    /// with one A among them (drawn beside the burst's mark, not under it).
    /// </summary>
    private static Diagnosis Sample()
    {
        SessionSummary Session(string id, string server, string connector, TimeSpan at, string? subject, string? thumbprint) =>
            new(connector, id, "203.0.113.9:" + (40000 + (int)at.TotalSeconds % 20000).ToString(CultureInfo.InvariantCulture), Day + at, "mail.sender.example", true, subject, thumbprint, thumbprint is null ? null : "TLS negotiation succeeded", [])
            { Server = server };

        var sessions = new List<SessionSummary>
        {
            Session("S1", "10.0.0.1:25", @"SERVER1\Default Frontend SERVER1", new(12, 40, 0), "CN=SERVER1", ThumbprintA),
            Session("S2", "10.0.0.1:25", @"SERVER1\Default Frontend SERVER1", new(12, 55, 0), "CN=SERVER1", ThumbprintA),
            Session("S3", "10.0.0.1:25", @"SERVER1\Default Frontend SERVER1", new(13, 20, 0), "CN=hybrid.domain.com", ThumbprintB),
            Session("S4", "10.0.0.2:25", Hostile, new(12, 45, 0), null, null),
            Session("S5", "10.0.0.2:25", Hostile, new(13, 5, 0), "CN=hybrid.domain.com", ThumbprintB),
        };
        sessions.AddRange(Enumerable.Range(0, 5).Select(i => Session($"B{i}", "10.0.0.2:25", Hostile, new(13, 15, i), "CN=hybrid.domain.com", ThumbprintB)));
        sessions.Add(Session("A1", "10.0.0.2:25", Hostile, new(13, 15, 2), "CN=SERVER1", ThumbprintA));
        var reason = ReasonParser.Parse("[{LED=450 4.7.320 Certificate validation failed};{MSG=SubjectMismatch};{FQDN=hybrid.domain.com};{IP=10.0.0.1};{LRT=4/14/2017 1:07:17 PM}]");
        return new Diagnosis(reason, [], [], sessions.Count, [], [])
        {
            Sessions = sessions,
            Changes =
            [
                new ObservedChange(Day + new TimeSpan(13, 0, 0), "10.0.0.1", null, $"certificate changed from {ThumbprintA} to {ThumbprintB}"),
                new ObservedChange(Day + new TimeSpan(12, 35, 0), null, null, "TlsCertificateName set on every Default Frontend connector"),
            ],
        };
    }

    /// <summary>Which session ids each lane's marks stand for, in order, and the certificate each is coloured by.</summary>
    private static readonly (string Lane, (string[] Sessions, string? Thumbprint)[] Marks)[] Expected =
    [
        (LaneOne, [(["S1"], ThumbprintA), (["S2"], ThumbprintA), (["S3"], ThumbprintB)]),
        (LaneTwo, [(["S4"], null), (["S5"], ThumbprintB), (["B0", "B1", "B2", "B3", "B4"], ThumbprintB), (["A1"], ThumbprintA)]),
    ];

    private static readonly Dictionary<string, TimeSpan> StartOf = new()
    {
        ["S1"] = new(12, 40, 0), ["S2"] = new(12, 55, 0), ["S3"] = new(13, 20, 0), ["S4"] = new(12, 45, 0), ["S5"] = new(13, 5, 0), ["B0"] = new(13, 15, 0), ["A1"] = new(13, 15, 2),
    };

    [Fact]
    public async Task Chromium_draws_the_lanes_marks_colours_LRT_and_changes_in_time_order_with_no_request_or_error()
    {
        var html = HtmlReport.Render(Sample());
        await using var browser = await StartBrowserAsync();

        var problems = Check(await browser.VisitAsync(Save("report.html", html), Measure));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Each copy breaks one thing the checks exist for; each must be reported.</summary>
    [Fact]
    public async Task The_checks_catch_a_wrong_colour_a_missing_lane_a_misplaced_mark_and_a_request()
    {
        var html = HtmlReport.Render(Sample());
        var colourA = ColourIn(html, ThumbprintA);
        var colourB = ColourIn(html, ThumbprintB);
        var laneStarts = LaneStart().Matches(html);
        Assert.Equal(2, laneStarts.Count);
        var firstMark = FirstMarkPosition().Match(html);
        Assert.True(firstMark.Success, "no mark in the rendered page");
        var broken = new (string Name, string Html, string Expect)[]
        {
            ("wrong colour", ReplaceFirst(html, $"r=\"6\" fill=\"{colourA}\"", $"r=\"6\" fill=\"{colourB}\""), "coloured"),
            ("lane missing", html[..laneStarts[1].Index] + html[html.IndexOf("</svg>", StringComparison.Ordinal)..], "lanes"),
            ("mark out of place", html[..firstMark.Groups[1].Index] + "900" + html[(firstMark.Groups[1].Index + firstMark.Groups[1].Length)..], "time"),
            ("external image", html.Replace("</svg><ul class=\"legend\">", "<image href=\"http://192.0.2.1/logo.png\" width=\"1\" height=\"1\"/></svg><ul class=\"legend\">", StringComparison.Ordinal), "request"),
        };
        await using var browser = await StartBrowserAsync();

        foreach (var (name, page, expect) in broken)
        {
            Assert.NotEqual(html, page);
            var problems = Check(await browser.VisitAsync(Save(name.Replace(' ', '-') + ".html", page), Measure));
            Assert.True(problems.Any(p => p.Contains(expect, StringComparison.Ordinal)), $"{name}: expected a problem about \"{expect}\", got:\n{string.Join("\n", problems)}");
        }
    }

    [Fact]
    public void An_LRT_in_a_local_format_is_reported_in_the_page_not_drawn()
    {
        var diagnosis = Sample() with { Reason = ReasonParser.Parse("[{LRT=14.04.2017 13:07:17};{LED=450 4.7.320 Certificate validation failed}]") };

        var html = HtmlReport.Render(diagnosis);

        Assert.Contains("“14.04.2017 13:07:17” is in neither US nor ISO format", html, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"lrt\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_session_without_a_local_endpoint_is_laned_by_the_server_its_connector_names()
    {
        var sample = Sample();
        var diagnosis = sample with { Sessions = sample.Sessions.Select(s => s with { Server = null }).ToList() };

        var html = HtmlReport.Render(diagnosis);

        Assert.Contains(@">SERVER1 · SERVER1\Default Frontend SERVER1</text>", html, StringComparison.Ordinal);
        Assert.Contains("server unknown · &lt;script&gt;alert(1)&lt;/script&gt;</text>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4/14/2017 1:07:17 PM")]
    [InlineData("2017-04-14T13:07:17Z")]
    [InlineData("2017-04-14 13:07:17")]
    public void The_LRT_is_read_in_US_and_ISO_form_as_UTC(string lrt)
    {
        var diagnosis = Sample() with { Reason = ReasonParser.Parse($"[{{LED=450 4.7.320 Certificate validation failed}};{{LRT={lrt}}}]") };

        var html = HtmlReport.Render(diagnosis);

        Assert.Contains($"<title>the failure: last retry (LRT) {lrt}, 2017-04-14 13:07:17Z</title>", html, StringComparison.Ordinal);
    }

    private static async Task<HeadlessChromium> StartBrowserAsync()
    {
        var chromium = HeadlessChromium.Find();
        Assert.True(chromium is not null, "chromium was not found: ./test.sh installs Debian's chromium package (or name a binary in MAILFLOW_CHROMIUM)");
        return await HeadlessChromium.StartAsync(chromium);
    }

    /// <summary>Everything the page must show, as a list of what is wrong (empty when right).</summary>
    private static List<string> Check(PageVisit visit)
    {
        var problems = new List<string>();
        problems.AddRange(visit.Errors.Select(e => $"error while rendering: {e}"));
        problems.AddRange(visit.Requests.Where(r => r != visit.Url).Select(r => $"request made: {r}"));
        var page = JsonSerializer.Deserialize<Page>(visit.Measured, Json)!;
        if (page.Scripts != 0)
        {
            problems.Add($"{page.Scripts} script element(s) in the page");
        }

        var labels = page.Lanes.Select(l => l.Label).ToList();
        if (!labels.SequenceEqual(Expected.Select(e => e.Lane)))
        {
            problems.Add($"lanes are [{string.Join(" | ", labels)}], expected [{string.Join(" | ", Expected.Select(e => e.Lane))}]");
            return problems;
        }

        var legendA = page.Legend.SingleOrDefault(l => l.Text.Contains("CN=SERVER1", StringComparison.Ordinal) && l.Text.Contains(ThumbprintA, StringComparison.Ordinal));
        var legendB = page.Legend.SingleOrDefault(l => l.Text.Contains("CN=hybrid.domain.com", StringComparison.Ordinal) && l.Text.Contains(ThumbprintB, StringComparison.Ordinal));
        var legendNone = page.Legend.SingleOrDefault(l => l.Text.Contains("no certificate", StringComparison.Ordinal));
        if (legendA is null || legendB is null || legendNone is null || legendA.Fill == legendB.Fill || legendNone.Fill != "rgb(255, 255, 255)")
        {
            problems.Add($"legend does not give A, B and no certificate apart: {string.Join("; ", page.Legend.Select(l => $"{l.Fill} {l.Text}"))}");
            return problems;
        }

        // One pixel scale for the whole chart, from the first and last mark; every other mark, line and tick must sit on it.
        var first = page.Lanes[0].Marks.FirstOrDefault();
        var last = page.Lanes[0].Marks.LastOrDefault();
        double X(TimeSpan at) => first!.X + (at - StartOf["S1"]).TotalSeconds * (last!.X - first.X) / (StartOf["S3"] - StartOf["S1"]).TotalSeconds;
        void Place(string what, double x, TimeSpan at)
        {
            if (Math.Abs(x - X(at)) > 1.5)
            {
                problems.Add($"{what} is at x={x:0.#}, its time {at} puts it at x={X(at):0.#}");
            }
        }

        for (var i = 0; i < Expected.Length; i++)
        {
            var lane = page.Lanes[i];
            var expected = Expected[i].Marks;
            if (lane.Marks.Count != expected.Length)
            {
                problems.Add($"lane {lane.Label} has {lane.Marks.Count} marks, expected {expected.Length}: {string.Join(" | ", lane.Marks.Select(m => m.Title))}");
                continue;
            }

            for (var m = 0; m < expected.Length; m++)
            {
                var (ids, thumbprint) = expected[m];
                var mark = lane.Marks[m];
                var name = $"mark {m + 1} of lane {lane.Label}";
                if (!ids.All(id => mark.Title.Contains($"session {id} from 203.0.113.9:", StringComparison.Ordinal))
                    || (ids.Length > 1 && !mark.Title.StartsWith($"{ids.Length} sessions", StringComparison.Ordinal)))
                {
                    problems.Add($"{name} is titled \"{mark.Title}\", expected sessions {string.Join(", ", ids)}");
                }

                var colour = thumbprint == ThumbprintA ? legendA.Fill : thumbprint == ThumbprintB ? legendB.Fill : legendNone.Fill;
                if (mark.Fill != colour || (thumbprint is null && mark.Stroke is "none" or "rgb(255, 255, 255)"))
                {
                    problems.Add($"{name} is coloured {mark.Fill} (stroke {mark.Stroke}), its certificate's legend colour is {colour}");
                }

                if (thumbprint is not null && !mark.Title.Contains(thumbprint, StringComparison.Ordinal))
                {
                    problems.Add($"{name}'s title does not name certificate {thumbprint}: {mark.Title}");
                }

                if (!mark.OnTop || mark.Y < lane.Top || mark.Y > lane.Bottom)
                {
                    problems.Add($"{name} is covered or outside its lane (y={mark.Y:0.#}, lane {lane.Top:0.#}–{lane.Bottom:0.#})");
                }

                Place(name + " (time)", mark.X, StartOf[ids[0]]);
            }
        }

        if (page.Lrt is null || !page.Lrt.Title.Contains("4/14/2017 1:07:17 PM", StringComparison.Ordinal))
        {
            problems.Add("no LRT line for 4/14/2017 1:07:17 PM");
        }
        else
        {
            Place("the LRT line (time)", page.Lrt.Lines[0].X, new(13, 7, 17));
            Across("the LRT line", page.Lrt.Lines[0], page.Lanes[0].Top, page.Lanes[1].Bottom, problems);
        }

        var local = page.Changes.SingleOrDefault(c => c.Title.Contains("certificate changed", StringComparison.Ordinal));
        var everywhere = page.Changes.SingleOrDefault(c => c.Title.Contains("TlsCertificateName set", StringComparison.Ordinal));
        if (local is null || everywhere is null || local.Lines.Count != 1 || everywhere.Lines.Count != 1)
        {
            problems.Add($"changes drawn: {string.Join(" | ", page.Changes.Select(c => $"{c.Lines.Count} line(s) {c.Title}"))}");
        }
        else
        {
            Place("the certificate change (time)", local.Lines[0].X, new(13, 0, 0));
            Across("the certificate change", local.Lines[0], page.Lanes[0].Top, page.Lanes[0].Bottom, problems);
            if (local.Lines[0].Bottom > page.Lanes[1].Top)
            {
                problems.Add("the change on 10.0.0.1 reaches into 10.0.0.2's lane");
            }

            Place("the change everywhere (time)", everywhere.Lines[0].X, new(12, 35, 0));
            Across("the change everywhere", everywhere.Lines[0], page.Lanes[0].Top, page.Lanes[1].Bottom, problems);
        }

        // Ticks: HH:mm, the date under the first; each on the same scale as the marks.
        var date = default(DateTime?);
        foreach (var tick in page.Ticks)
        {
            date = tick.Date is null ? date : DateTime.ParseExact(tick.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (date != Day.Date || !TimeSpan.TryParseExact(tick.Time, @"hh\:mm", CultureInfo.InvariantCulture, out var at))
            {
                problems.Add($"tick {tick.Date} {tick.Time} is not a time on 2017-04-14");
                continue;
            }

            Place($"tick {tick.Time} (time)", tick.X, at);
        }

        if (page.Ticks.Count < 3)
        {
            problems.Add($"only {page.Ticks.Count} tick(s) on the axis");
        }

        if (!page.Text.Contains(LaneTwo, StringComparison.Ordinal))
        {
            problems.Add("the hostile connector name is not shown as text");
        }

        return problems;
    }

    private static void Across(string what, Line line, double top, double bottom, List<string> problems)
    {
        if (line.Top > top + 0.5 || line.Bottom < bottom - 0.5)
        {
            problems.Add($"{what} spans y {line.Top:0.#}–{line.Bottom:0.#}, not {top:0.#}–{bottom:0.#}");
        }
    }

    private static string ColourIn(string html, string thumbprint)
    {
        var legend = Regex.Match(html, $"<li class=\"legend-item\"><svg[^>]*><circle [^>]*fill=\"([^\"]+)\"/></svg>[^<]*<span class=\"src\">{thumbprint}</span>", RegexOptions.CultureInvariant);
        Assert.True(legend.Success, $"no legend entry for {thumbprint}");
        return legend.Groups[1].Value;
    }

    private static string ReplaceFirst(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0, $"\"{from}\" is not in the page");
        return text[..at] + to + text[(at + from.Length)..];
    }

    private string Save(string name, string html)
    {
        var path = Path.Combine(work.FullName, name);
        File.WriteAllText(path, html);
        return path;
    }

    public void Dispose() => work.Delete(recursive: true);

    [GeneratedRegex("<g class=\"lane\">")]
    private static partial Regex LaneStart();

    [GeneratedRegex("<g class=\"mark\"><title>[^<]*</title><circle cx=\"([0-9.]+)\"")]
    private static partial Regex FirstMarkPosition();

    private sealed record Page(List<LaneBox> Lanes, List<LegendItem> Legend, LineGroup? Lrt, List<LineGroup> Changes, List<Tick> Ticks, int Scripts, string Text);

    private sealed record LaneBox(string Label, double Top, double Bottom, List<MarkBox> Marks);

    private sealed record MarkBox(string Title, double X, double Y, string Fill, string Stroke, bool OnTop);

    private sealed record LegendItem(string Text, string Fill);

    private sealed record LineGroup(string Title, List<Line> Lines);

    private sealed record Line(double X, double Top, double Bottom);

    private sealed record Tick(string Time, string? Date, double X);
}
