// `qwenvl eval`: the parent of `eval run` (this file: run a benchmark on a local checkpoint or an
// OpenAI-compatible endpoint, append results, resume, report) and `eval score` (EvalScoreCommand).
// Data errors, unreachable endpoints and an existing --out without --resume are bad input (exit 2).
using System.CommandLine;
using QwenVL.Engine;
using QwenVL.Eval.Data;
using QwenVL.Eval.Prompts;
using QwenVL.Eval.Reports;
using QwenVL.Eval.Running;
using QwenVL.Eval.Scoring;
using QwenVL.Models;

namespace QwenVL.Cli.Commands;

/// <summary>The eval command group.</summary>
public static class EvalCommand
{
    /// <summary>Builds `eval` with its subcommands.</summary>
    public static Command Create() => new("eval", "run benchmarks and score predictions") { CreateRun(), EvalScoreCommand.Create() };

    /// <summary>Builds `eval run`.</summary>
    public static Command CreateRun()
    {
        var benchmark = new Option<string>("--benchmark", "-b") { Description = "benchmark: " + string.Join(", ", BenchmarkInfo.All.Select(b => b.Name)), Required = true };
        var data = new Option<string>("--data", "-d") { Description = "VLMEvalKit .tsv, HF .parquet file, or a folder of .parquet shards", Required = true };
        var model = new Option<string?>("--model", "-m") { Description = "local engine: checkpoint folder, hub id (ORG/NAME) or alias" };
        var endpoint = new Option<string?>("--endpoint") { Description = "OpenAI-compatible base URL (e.g. http://127.0.0.1:8080)" };
        var apiKey = new Option<string?>("--api-key") { Description = "bearer token for --endpoint" };
        var endpointModel = new Option<string?>("--endpoint-model") { Description = "\"model\" field sent to --endpoint; also names the checkpoint for published scores" };
        var family = new Option<string?>("--family") { Description = "qwen2-vl | qwen2.5-vl | qwen3-vl (default: from the checkpoint or --endpoint-model)" };
        var mode = new Option<string>("--mode") { Description = "vlmevalkit | lmms-eval: prompts, pixel limits and scoring rules", DefaultValueFactory = _ => "vlmevalkit" };
        var limit = new Option<int?>("--limit") { Description = "only the first N items" };
        var output = new Option<string>("--out", "-o") { Description = "results JSONL (reports are written beside it)", DefaultValueFactory = _ => "results.jsonl" };
        var resume = new Option<bool>("--resume") { Description = "continue --out, skipping items already answered" };
        var concurrency = new Option<int>("--concurrency") { Description = "items in flight at once", DefaultValueFactory = _ => 1 };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "override the framework's max_new_tokens" };
        var minPixels = new Option<long?>("--min-pixels") { Description = "override the framework's min_pixels (makes scores incomparable; reported)" };
        var maxPixels = new Option<long?>("--max-pixels") { Description = "override the framework's max_pixels (makes scores incomparable; reported)" };
        var seed = new Option<int>("--seed") { Description = "seed for the MMMU random-choice fallback", DefaultValueFactory = _ => 42 };
        Option<int> threads = CommonOptions.Threads();
        Option<string> backend = CommonOptions.Backend();
        var command = new Command("run", "run a benchmark and score it")
        {
            benchmark, data, model, endpoint, apiKey, endpointModel, family, mode, limit, output, resume, concurrency, maxTokens, minPixels, maxPixels, seed, threads, backend,
        };
        command.SetAction((p, ct) => CliErrors.Guard(async () =>
        {
            string? dir = p.GetValue(model), url = p.GetValue(endpoint);
            if ((dir is null) == (url is null)) throw new CliUsageException("give exactly one of --model DIR or --endpoint URL");
            if (!BenchmarkScorer.Benchmarks.Contains(p.GetValue(benchmark)!) || BenchmarkInfo.All.All(b => b.Name != p.GetValue(benchmark)))
                throw new CliUsageException($"--benchmark: unknown benchmark '{p.GetValue(benchmark)}'; known: {string.Join(", ", BenchmarkInfo.All.Select(b => b.Name))}");
            if (!PromptTable.Modes.Contains(p.GetValue(mode)!))
                throw new CliUsageException($"--mode: unknown mode '{p.GetValue(mode)}'; known: {string.Join(", ", PromptTable.Modes)}");
            if (p.GetValue(family) is { } f && !PromptTable.Families.Contains(f))
                throw new CliUsageException($"--family: unknown family '{f}'; known: {string.Join(", ", PromptTable.Families)}");
            var options = new EvalRunOptions(p.GetValue(benchmark)!, p.GetValue(data)!, p.GetValue(output)!)
            {
                Mode = p.GetValue(mode)!,
                Limit = p.GetValue(limit),
                Resume = p.GetValue(resume),
                Concurrency = p.GetValue(concurrency),
                MaxTokens = p.GetValue(maxTokens),
                Seed = p.GetValue(seed),
                MinPixels = p.GetValue(minPixels),
                MaxPixels = p.GetValue(maxPixels),
            };
            var progress = new ConsoleProgress(Console.Error, !Console.IsErrorRedirected);
            if (dir is not null)
            {
                // A folder, a hub id (ORG/NAME[@REV]) or an alias; published scores match by the model's name.
                string folder = await HubCommands.ResolveFolderAsync(p, dir, ct);
                using InferenceEngine engine = InferenceEngine.Load(folder, new ModelLoadOptions { Threads = p.GetValue(threads), Backend = p.GetValue(backend)! },
                    new EngineOptions { MaxBatch = Math.Max(4, options.Concurrency) });
                string name = Directory.Exists(dir)
                    ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)))
                    : dir.Split('@')[0].Split('/')[^1];
                var local = new LocalEngineModel(engine, name);
                return await Run(options with { Family = p.GetValue(family) ?? local.Family }, local, progress, ct);
            }
            string? remoteName = p.GetValue(endpointModel);
            string fam = p.GetValue(family) ?? FamilyFromName(remoteName)
                ?? throw new CliUsageException($"--family is needed: cannot tell the model family from --endpoint-model '{remoteName ?? "(none)"}'");
            try
            {
                using var remote = new OpenAiEndpointModel(url!, p.GetValue(apiKey), remoteName);
                return await Run(options with { Family = fam }, remote, progress, ct);
            }
            catch (EvalModelException e) { throw new CliUsageException(e.Message); }
        }));
        return command;
    }

    static async Task<int> Run(EvalRunOptions options, IEvalModel model, ConsoleProgress progress, CancellationToken ct)
    {
        // Ctrl+C stops the run cleanly (in-flight items dropped, finished ones already on disk, exit 130);
        // a second Ctrl+C kills the process as usual.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = !stop.IsCancellationRequested; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        EvalRunResult result;
        try { result = await EvalRunner.RunAsync(options, model, progress.Report, stop.Token); }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"\nqwenvl: cancelled; finished items are in {options.OutPath}; rerun with --resume to continue");
            return 130;
        }
        catch (DataException e) { throw new CliUsageException(e.Message); }
        catch (EvalModelException e) { throw new CliUsageException(e.Message); }
        catch (ArgumentException e) { throw new CliUsageException(e.Message); }
        finally { Console.CancelKeyPress -= onCancel; }
        foreach (var bad in result.Data.BadRows.Take(20)) await Console.Error.WriteLineAsync($"qwenvl: warning: {result.Data.Path}: row {bad.Row} skipped: {bad.Message}");
        var (md, json) = EvalReport.Write(result);
        await Console.Out.WriteAsync(EvalReport.Summary(result, md, json));
        return 0;
    }

    // "Qwen2.5-VL-7B-Instruct" -> qwen2.5-vl; "qwen3-vl-8b" -> qwen3-vl; anything else -> null.
    static string? FamilyFromName(string? name)
    {
        if (name is null) return null;
        if (name.Contains("qwen3-vl", StringComparison.OrdinalIgnoreCase) || name.Contains("qwen3_vl", StringComparison.OrdinalIgnoreCase)) return "qwen3-vl";
        if (PublishedScores.ParseCheckpoint(name) is { } c) return c.Family;
        string n = name.ToLowerInvariant().Replace('_', '.');
        return n.Contains("qwen2.5-vl", StringComparison.Ordinal) ? "qwen2.5-vl" : n.Contains("qwen2-vl", StringComparison.Ordinal) ? "qwen2-vl" : null;
    }
}
