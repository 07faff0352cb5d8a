// Runs one benchmark: loads the data, skips items already in the results file (--resume), asks the
// model N items at a time, appends each result as it finishes, then scores every item's latest line
// with BenchmarkScorer. A bad data row or a failed item is counted and reported, never fatal; an
// unreachable model before any success is (every item would fail the same way).
using QwenVL.Eval.Data;
using QwenVL.Eval.Prompts;
using QwenVL.Eval.Scoring;

namespace QwenVL.Eval.Running;

/// <summary>What to run.</summary>
/// <param name="Benchmark">Benchmark name.</param>
/// <param name="DataPath">TSV, parquet file or folder of shards.</param>
/// <param name="OutPath">Results JSONL.</param>
public sealed record EvalRunOptions(string Benchmark, string DataPath, string OutPath)
{
    /// <summary>vlmevalkit | lmms-eval: prompts, pixel limits and scoring rules.</summary>
    public string Mode { get; init; } = "vlmevalkit";
    /// <summary>qwen2-vl | qwen2.5-vl | qwen3-vl: prompt table row and box convention.</summary>
    public string Family { get; init; } = "qwen2.5-vl";
    /// <summary>Only the first N items (data order).</summary>
    public int? Limit { get; init; }
    /// <summary>Continue an existing results file instead of refusing to touch it.</summary>
    public bool Resume { get; init; }
    /// <summary>Items in flight at once.</summary>
    public int Concurrency { get; init; } = 1;
    /// <summary>Overrides the framework's max_new_tokens.</summary>
    public int? MaxTokens { get; init; }
    /// <summary>Seed of the scorer's random MCQ fallback.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>Overrides the framework's min_pixels (the report says so).</summary>
    public long? MinPixels { get; init; }
    /// <summary>Overrides the framework's max_pixels (the report says so).</summary>
    public long? MaxPixels { get; init; }
}

/// <summary>Progress after each finished item.</summary>
/// <param name="Done">Items finished in this run.</param>
/// <param name="Total">Items this run has to do.</param>
/// <param name="Failed">Of those, items that failed.</param>
public readonly record struct EvalProgress(int Done, int Total, int Failed);

/// <summary>Outcome of a run.</summary>
public sealed record EvalRunResult(
    EvalRunOptions Options, string ModelName, LoadedDataset Data, ScoreReport Score, int Items, int Resumed, int Ran,
    int FailedItems, IReadOnlyList<string> PromptIds, DecodingSettings Decoding, PixelLimits Pixels, IReadOnlyList<string> Notes);

/// <summary>The eval loop.</summary>
public static class EvalRunner
{
    /// <summary>Runs <paramref name="options"/> against <paramref name="model"/>.</summary>
    public static async Task<EvalRunResult> RunAsync(EvalRunOptions options, IEvalModel model, Action<EvalProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        if (options.Concurrency < 1) throw new ArgumentException("--concurrency must be at least 1", nameof(options));
        if (options.Limit is < 1) throw new ArgumentException("--limit must be at least 1", nameof(options));
        if (options.MaxTokens is < 1) throw new ArgumentException("--max-tokens must be at least 1", nameof(options));
        if (!options.Resume && File.Exists(options.OutPath) && new FileInfo(options.OutPath).Length > 0)
            throw new IOException($"{options.OutPath} already exists; pass --resume to continue it or choose another --out");

        LoadedDataset data = DatasetLoader.Load(options.DataPath, options.Benchmark);
        var items = options.Limit is { } n ? data.Items.Take(n).ToList() : data.Items.ToList();
        var notes = new List<string>(data.Notes);
        ExistingResults existing = ResultsFile.Repair(options.OutPath, options.Benchmark);
        if (existing.TornLineDropped) notes.Add("an unfinished last line of the results file was dropped on resume");
        if (existing.BadLines > 0) notes.Add($"{existing.BadLines} unreadable line(s) in the results file were ignored");
        var todo = items.Where(i => !existing.Done.Contains(i.Id)).ToList();

        PixelLimits framework = PixelLimits.For(options.Mode, options.Family, options.Benchmark);
        var pixels = new PixelLimits(options.MinPixels ?? framework.Min, options.MaxPixels ?? framework.Max);
        if (pixels.Min < 1 || pixels.Min > pixels.Max) throw new ArgumentException($"pixel limits must satisfy 1 <= min_pixels ({pixels.Min}) <= max_pixels ({pixels.Max})", nameof(options));
        if (pixels != framework) notes.Add($"pixel limits overridden: {pixels.Min}..{pixels.Max} instead of the framework's {framework.Min}..{framework.Max}; scores are not comparable with published ones");
        // VLMEvalKit Qwen2VLChat: repetition_penalty 1.0; lmms-eval leaves generation_config.json's value.
        float? penalty = options.Mode == "vlmevalkit" ? 1.0f : null;
        int frameworkMax = items.Count > 0 ? PromptTable.Build(items[0], options.Benchmark, options.Family, options.Mode).MaxTokens : 0;
        var decoding = new DecodingSettings(options.MaxTokens ?? frameworkMax, 0, penalty);
        var promptIds = new SortedSet<string>(StringComparer.Ordinal);

        int done = 0, failed = 0, succeeded = 0;
        using (ResultsFile results = ResultsFile.OpenAppend(options.OutPath))
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(todo, parallel, async (item, ct) =>
            {
                PromptSpec prompt = PromptTable.Build(item, options.Benchmark, options.Family, options.Mode);
                lock (promptIds) promptIds.Add(prompt.Id);
                string? error = null;
                EvalReply? reply = null;
                try
                {
                    var images = item.Images.Select(i => i.GetBytes()).ToList();
                    reply = await model.AnswerAsync(new EvalRequest(prompt, images, decoding, pixels), ct).ConfigureAwait(false);
                    Interlocked.Increment(ref succeeded);
                }
                catch (EvalModelException) when (Volatile.Read(ref succeeded) == 0) { throw; }
                catch (FormatException e) { error = $"row {item.Row}: column 'image': {e.Message}"; }
                catch (Exception e) when (e is not OperationCanceledException) { error = $"row {item.Row}: {e.Message}"; }
                PredictionRecord record = ItemRecords.ToRecord(item, reply, options, pixels);
                results.Append(ResultsFile.Line(record, options.Benchmark, prompt.Id, options.Mode, item.Row, error));
                if (error is not null) Interlocked.Increment(ref failed);
                progress?.Invoke(new EvalProgress(Interlocked.Increment(ref done), todo.Count, Volatile.Read(ref failed)));
            }).ConfigureAwait(false);
        }

        // Score the latest line of every selected item (resumed lines included).
        var wanted = items.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var latest = new Dictionary<string, (PredictionRecord Record, string? PromptId, bool Failed)>(StringComparer.Ordinal);
        foreach (var (record, promptId, isError) in ItemRecords.ReadBack(options.OutPath))
            if (wanted.Contains(record.Id)) latest[record.Id] = (record, promptId, isError);
        foreach (var v in latest.Values) if (v.PromptId is not null) promptIds.Add(v.PromptId);
        int failedItems = latest.Values.Count(v => v.Failed);
        if (failedItems > 0) notes.Add($"{failedItems} item(s) failed (see 'error' in the results file) and were scored as empty answers");
        ScoreReport score = BenchmarkScorer.Score(options.Benchmark, latest.Values.Select(v => v.Record).ToList(),
            new ScoreOptions(options.Mode, options.Seed));
        return new EvalRunResult(options, model.Name, data, score, items.Count, items.Count - todo.Count, done, failedItems,
            promptIds.ToList(), decoding, pixels, notes);
    }
}
