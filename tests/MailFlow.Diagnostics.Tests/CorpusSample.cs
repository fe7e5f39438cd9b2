using MailFlow.Diagnostics.Diagnose;

namespace MailFlow.Diagnostics.Tests;

/// <summary>One corpus file: its header (source, expected root causes, classes) and its sections by kind (Corpus/README.md).</summary>
/// <param name="Limit">Set when the published artefact cannot name the cause by itself (why); such a sample must not get a confident answer.</param>
public sealed record CorpusSample(string Name, IReadOnlyList<string> Expect, IReadOnlyList<int> Classes, bool Synthetic, string? Limit, IReadOnlyList<(string Kind, string Text)> Sections)
{
    public string? Reason => Sections.FirstOrDefault(s => s.Kind == "reason").Text;

    public static CorpusSample Read(string path)
    {
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        var sections = new List<(string, string)>();
        string? kind = null;
        var text = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("--- ", StringComparison.Ordinal))
            {
                if (kind is not null)
                {
                    sections.Add((kind, string.Join('\n', text)));
                }

                kind = line[4..].Trim();
                text.Clear();
            }
            else if (kind is null && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
            {
                header[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            else if (kind is not null)
            {
                text.Add(line);
            }
        }

        if (kind is not null)
        {
            sections.Add((kind, string.Join('\n', text)));
        }

        string Header(string key) => header.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"{path}: no '{key}:' header");
        return new CorpusSample(
            Path.GetFileName(path),
            Header("expect").Split(' ', StringSplitOptions.RemoveEmptyEntries),
            Header("classes").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList(),
            Header("synthetic") == "yes",
            header.GetValueOrDefault("limit"),
            sections);
    }

    /// <summary>Each section as its own file in <paramref name="folder"/>, given to diagnose as what it is.</summary>
    public DiagnosisRequest Request(string folder)
    {
        var logs = new List<string>();
        var evidence = new List<string>();
        string? certificates = null, connectors = null;
        for (var i = 0; i < Sections.Count; i++)
        {
            var (kind, text) = Sections[i];
            var file = Path.Combine(folder, $"{i:00}-{kind}.{(kind.EndsWith("-log", StringComparison.Ordinal) ? "log" : "txt")}");
            File.WriteAllText(file, text + "\n");
            switch (kind)
            {
                case "smtpreceive-log" or "smtpsend-log" or "tracking-log":
                    logs.Add(file);
                    break;
                case "certificates":
                    certificates = file;
                    break;
                case "connectors":
                    connectors = file;
                    break;
                case "reason":
                    break;
                default:
                    evidence.Add(file);
                    break;
            }
        }

        return new DiagnosisRequest { Reason = Reason, Logs = logs, Certificates = certificates, Connectors = connectors, Evidence = evidence };
    }
}
