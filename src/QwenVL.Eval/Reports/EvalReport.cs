// Writes a run's report next to its results file (results.report.md / results.report.json) and the
// short summary printed on stdout: what was run (benchmark, split, mode, prompt ids, decoding, pixel
// limits), what went wrong (failed rows and items, extraction failures, random fallbacks), the score
// and Qwen's published number for the same checkpoint. It does not score; EvalRunner did.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVL.Eval.Data;
using QwenVL.Eval.Running;

namespace QwenVL.Eval.Reports;

/// <summary>Report rendering.</summary>
public static class EvalReport
{
    const int MaxListedBadRows = 50;   // enough to see a pattern in a broken file without a 5,000-line report

    /// <summary>Report paths for a results file: "x.jsonl" -> ("x.report.md", "x.report.json").</summary>
    public static (string Markdown, string Json) PathsFor(string resultsPath)
    {
        string stem = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(resultsPath))!, Path.GetFileNameWithoutExtension(resultsPath));
        return (stem + ".report.md", stem + ".report.json");
    }

    /// <summary>Writes both files and returns their paths.</summary>
    public static (string Markdown, string Json) Write(EvalRunResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var (md, json) = PathsFor(r.Options.OutPath);
        File.WriteAllText(md, Markdown(r));
        File.WriteAllText(json, ToJson(r).ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        return (md, json);
    }

    /// <summary>The JSON report.</summary>
    public static JsonObject ToJson(EvalRunResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        PublishedScore? pub = PublishedScores.Find(r.Options.Benchmark, r.ModelName);
        var s = r.Score;
        return new JsonObject
        {
            ["benchmark"] = r.Options.Benchmark,
            ["split"] = BenchmarkInfo.Get(r.Options.Benchmark).Split,
            ["mode"] = r.Options.Mode,
            ["family"] = r.Options.Family,
            ["model"] = r.ModelName,
            ["data"] = r.Data.Path,
            ["data_format"] = r.Data.Format,
            ["prompt_ids"] = new JsonArray(r.PromptIds.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray()),
            ["decoding"] = new JsonObject
            {
                ["strategy"] = "greedy",
                ["temperature"] = r.Decoding.Temperature,
                ["max_tokens"] = r.Decoding.MaxTokens,
                ["repetition_penalty"] = r.Decoding.RepetitionPenalty is { } p ? p : "checkpoint default (generation_config.json)",
            },
            ["pixel_limits"] = new JsonObject { ["min_pixels"] = r.Pixels.Min, ["max_pixels"] = r.Pixels.Max },
            ["items"] = r.Items,
            ["items_resumed"] = r.Resumed,
            ["items_run"] = r.Ran,
            ["failed_items"] = r.FailedItems,
            ["failed_rows"] = r.Data.BadRows.Count,
            ["bad_rows"] = new JsonArray(r.Data.BadRows.Take(MaxListedBadRows).Select(b => (JsonNode)new JsonObject { ["row"] = b.Row, ["error"] = b.Message }).ToArray()),
            ["scored"] = s.Count,
            ["extraction_failures"] = s.ExtractionFailures,
            ["random_fallbacks"] = s.RandomFallbacks,
            ["judge"] = "none",
            ["score"] = s.Score,
            ["sub_scores"] = new JsonObject(s.SubScores.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["published"] = pub is null ? "unknown" : new JsonObject { ["checkpoint"] = pub.Checkpoint, ["score"] = pub.Value, ["label"] = pub.Label, ["source"] = pub.Source },
            ["notes"] = new JsonArray(r.Notes.Concat(s.Notes).Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
            ["results"] = r.Options.OutPath,
        };
    }

    /// <summary>The Markdown report.</summary>
    public static string Markdown(EvalRunResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var inv = CultureInfo.InvariantCulture;
        PublishedScore? pub = PublishedScores.Find(r.Options.Benchmark, r.ModelName);
        var s = r.Score;
        var sb = new StringBuilder();
        sb.Append(inv, $"# {r.Options.Benchmark}: {s.Score:F2}\n\n");
        sb.Append("| field | value |\n|---|---|\n");
        void Row(string k, string v) => sb.Append("| ").Append(k).Append(" | ").Append(v.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
        Row("benchmark", r.Options.Benchmark);
        Row("split", BenchmarkInfo.Get(r.Options.Benchmark).Split);
        Row("mode", r.Options.Mode);
        Row("model", r.ModelName + " (" + r.Options.Family + ")");
        Row("data", $"{r.Data.Path} ({r.Data.Format})");
        Row("prompt id", string.Join(", ", r.PromptIds));
        Row("decoding", Decoding(r));
        Row("pixel limits", string.Create(inv, $"min_pixels {r.Pixels.Min}, max_pixels {r.Pixels.Max}"));
        Row("items", string.Create(inv, $"{r.Items} ({r.Resumed} resumed, {r.Ran} run now)"));
        Row("failed rows", r.Data.BadRows.Count.ToString(inv));
        Row("failed items", r.FailedItems.ToString(inv));
        Row("extraction failures", s.ExtractionFailures.ToString(inv));
        Row("random fallbacks", s.RandomFallbacks.ToString(inv));
        Row("judge", "none (rule-based extraction only)");
        Row("score", s.Score.ToString("F2", inv) + string.Create(inv, $" ({s.Count} scored)"));
        Row("published", Published(pub));
        if (s.SubScores.Count > 0)
        {
            sb.Append("\n## Sub-scores\n\n| name | value |\n|---|---|\n");
            foreach (var (k, v) in s.SubScores.OrderBy(kv => kv.Key, StringComparer.Ordinal)) sb.Append(inv, $"| {k} | {v:F2} |\n");
        }
        if (r.Data.BadRows.Count > 0)
        {
            sb.Append("\n## Failed rows\n\n");
            foreach (var b in r.Data.BadRows.Take(MaxListedBadRows)) sb.Append(inv, $"- row {b.Row}: {b.Message}\n");
            if (r.Data.BadRows.Count > MaxListedBadRows) sb.Append(inv, $"- ... {r.Data.BadRows.Count - MaxListedBadRows} more\n");
        }
        var notes = r.Notes.Concat(s.Notes).ToList();
        if (notes.Count > 0)
        {
            sb.Append("\n## Notes\n\n");
            foreach (string n in notes) sb.Append("- ").Append(n).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The few lines printed on stdout after a run.</summary>
    public static string Summary(EvalRunResult r, string markdownPath, string jsonPath)
    {
        ArgumentNullException.ThrowIfNull(r);
        var inv = CultureInfo.InvariantCulture;
        var s = r.Score;
        var sb = new StringBuilder();
        sb.Append(inv, $"{r.Options.Benchmark} ({BenchmarkInfo.Get(r.Options.Benchmark).Split}), mode {r.Options.Mode}: {s.Score:F2}\n");
        sb.Append(inv, $"model: {r.ModelName} ({r.Options.Family}); prompt: {string.Join(", ", r.PromptIds)}\n");
        sb.Append(inv, $"decoding: {Decoding(r)}; pixels: {r.Pixels.Min}..{r.Pixels.Max}\n");
        sb.Append(inv, $"items: {r.Items} ({r.Resumed} resumed), failed rows: {r.Data.BadRows.Count}, failed items: {r.FailedItems}, ");
        sb.Append(inv, $"extraction failures: {s.ExtractionFailures}, random fallbacks: {s.RandomFallbacks}\n");
        sb.Append("published: ").Append(Published(PublishedScores.Find(r.Options.Benchmark, r.ModelName))).Append('\n');
        sb.Append("report: ").Append(markdownPath).Append(", ").Append(jsonPath).Append('\n');
        return sb.ToString();
    }

    static string Decoding(EvalRunResult r) => string.Create(CultureInfo.InvariantCulture,
        $"greedy (temperature 0), max_tokens {r.Decoding.MaxTokens}, repetition_penalty {(r.Decoding.RepetitionPenalty is { } p ? p.ToString(CultureInfo.InvariantCulture) : "from generation_config.json")}");

    static string Published(PublishedScore? p) => p is null ? "unknown"
        : string.Create(CultureInfo.InvariantCulture, $"{p.Value:F2} for {p.Checkpoint}: {p.Label} ({p.Source})");
}
