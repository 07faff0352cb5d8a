// `qwenvl eval score`: scores an existing predictions JSONL (from this engine, DashScope or any other
// system) with the same rules as `eval run`; prints the score for people or one JSON object. A bad line
// is reported as file:line + field on stderr and counted; it never stops scoring. No model is loaded.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using QwenVL.Eval.Scoring;

namespace QwenVL.Cli.Commands;

/// <summary>The `eval score` subcommand (added to the `eval` parent by EvalCommand).</summary>
public static class EvalScoreCommand
{
    // Bad lines printed one by one before summarising the rest: enough to see a pattern, not a flood.
    const int MaxReportedBadLines = 20;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var benchmark = new Option<string>("--benchmark", "-b") { Description = "benchmark: " + string.Join(", ", BenchmarkScorer.Benchmarks), Required = true };
        var predictions = new Option<string>("--predictions", "-p") { Description = "JSONL file: id, prediction, answer (+ choices, group, image_size, family, ...)", Required = true };
        var mode = new Option<string>("--mode") { Description = "scoring rules: vlmevalkit | lmms-eval | official", DefaultValueFactory = _ => "vlmevalkit" };
        var seed = new Option<int>("--seed") { Description = "seed for the MMMU random-choice fallback", DefaultValueFactory = _ => 42 };
        Option<bool> json = CommonOptions.Json("print one JSON object (benchmark, score, count, item_scores, extraction_failures, random_fallbacks, sub_scores, ...)");
        var command = new Command("score", "score an existing predictions JSONL file") { benchmark, predictions, mode, seed, json };
        command.SetAction((p, ct) => CliErrors.Guard(() => Task.FromResult(
            Run(p.GetValue(benchmark)!, p.GetValue(predictions)!, p.GetValue(mode)!, p.GetValue(seed), p.GetValue(json)))));
        return command;
    }

    static int Run(string benchmark, string path, string mode, int seed, bool asJson)
    {
        if (!BenchmarkScorer.Benchmarks.Contains(benchmark))
            throw new CliUsageException($"--benchmark: unknown benchmark '{benchmark}'; known: {string.Join(", ", BenchmarkScorer.Benchmarks)}");
        if (!BenchmarkScorer.Modes.Contains(mode))
            throw new CliUsageException($"--mode: unknown mode '{mode}'; known: {string.Join(", ", BenchmarkScorer.Modes)}");
        if (!File.Exists(path))
            throw new CliUsageException($"--predictions: file not found: {path}");

        var records = new List<PredictionRecord>();
        int bad = 0;
        foreach (var (_, record, error) in PredictionJsonl.Read(path))
        {
            if (record is not null) { records.Add(record); continue; }
            bad++;
            if (bad <= MaxReportedBadLines) Console.Error.WriteLine("qwenvl: warning: skipped bad line: " + error);
        }
        if (bad > MaxReportedBadLines) Console.Error.WriteLine($"qwenvl: warning: {bad - MaxReportedBadLines} more bad line(s) not shown");
        if (records.Count == 0)
            throw new CliUsageException($"{path}: no valid prediction lines ({bad} bad line(s)); nothing to score");

        ScoreReport report = BenchmarkScorer.Score(benchmark, records, new ScoreOptions(mode, seed));
        if (report.Count == 0)
            throw new CliUsageException($"{path}: no item could be scored for {benchmark}: {string.Join("; ", report.Notes)}");

        if (asJson) Console.Out.Write(JsonSerializer.Serialize(ToJson(report, path, mode, seed, bad, records.Count), CliJson.Options) + "\n");
        else PrintHuman(report, path, mode, bad, records.Count);
        return 0;
    }

    /// <summary>The --json object; snake_case keys, scores unrounded.</summary>
    public static Dictionary<string, object?> ToJson(ScoreReport r, string path, string mode, int seed, int badLines, int validLines) => new()
    {
        ["benchmark"] = r.Benchmark,
        ["mode"] = mode,
        ["seed"] = seed,
        ["score"] = r.Score,
        ["count"] = r.Count,
        ["item_scores"] = r.ItemScores,
        ["extraction_failures"] = r.ExtractionFailures,
        ["random_fallbacks"] = r.RandomFallbacks,
        ["sub_scores"] = r.SubScores,
        ["predictions"] = path,
        ["valid_lines"] = validLines,
        ["bad_lines"] = badLines,
        ["judge"] = "none",
        ["notes"] = r.Notes,
    };

    static void PrintHuman(ScoreReport r, string path, string mode, int bad, int valid)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Format(inv, "{0}: {1:F2}  ({2} scored, mode {3}, judge none)", r.Benchmark, r.Score, r.Count, mode));
        Console.Out.WriteLine(string.Format(inv, "predictions: {0}  ({1} valid line(s), {2} bad)", path, valid, bad));
        Console.Out.WriteLine(string.Format(inv, "extraction failures: {0}, random fallbacks: {1}", r.ExtractionFailures, r.RandomFallbacks));
        foreach (var (name, v) in r.SubScores.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Console.Out.WriteLine(string.Format(inv, "  {0,-40} {1:F2}", name, v));
        foreach (string note in r.Notes) Console.Out.WriteLine("note: " + note);
    }
}
