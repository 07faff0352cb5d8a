// Dispatches a benchmark name to its scorer and aggregates per-item scores into a ScoreReport.
// Which rules apply is chosen by ScoreOptions.Mode (vlmevalkit | lmms-eval | official); every report
// says in Notes which variant produced its number. It does not read files or run models.
namespace QwenVL.Eval.Scoring;

/// <summary>Entry point: score a list of predictions for one benchmark.</summary>
/// <remarks>
/// Fields each benchmark reads (besides id / prediction / answer):
/// docvqa_val, textvqa_val: answer = all reference answers (TextVQA: the 10 annotator answers).
/// chartqa_test: question_type or extra.type = human_test | augmented_test (sub-scores only).
/// ai2d_test, mmbench_*: choices (letter to text), answer = gold letter (or the gold option text);
/// mmbench also group (else g_index = id % 1,000,000 for numeric ids), extra.category / extra["l2-category"].
/// mmmu_val: question_type = multiple-choice | open, choices for multiple choice, extra.subject (else parsed from the id).
/// mathvista_testmini: question_type = multi_choice | free_form, choices, extra.answer_type (text | integer | float | list),
/// extra.precision. ocrbench: question_type or extra.category (OCRBench category; HME changes the comparison).
/// refcoco_val: answer = "[x1, y1, x2, y2]" in ORIGINAL-image pixels (extra.bbox_format = "xywh" for COCO boxes),
/// image_size, family, optionally resized_size or extra.min_pixels / extra.max_pixels, extra.split.
/// </remarks>
public static class BenchmarkScorer
{
    /// <summary>Benchmarks this scorer knows.</summary>
    public static IReadOnlyList<string> Benchmarks { get; } =
    [
        "docvqa_val", "chartqa_test", "ai2d_test", "textvqa_val", "mmmu_val",
        "mathvista_testmini", "mmbench_dev_cn", "mmbench_dev_en", "ocrbench", "refcoco_val",
    ];

    /// <summary>Scoring modes (the anchors whose rules are followed).</summary>
    public static IReadOnlyList<string> Modes { get; } = ["vlmevalkit", "lmms-eval", "official"];

    /// <summary>
    /// Scores <paramref name="items"/>. Unknown benchmark or mode -> ArgumentException listing the known ones.
    /// When an id occurs more than once the LAST record wins (a resumed run appends retries), noted in the report.
    /// </summary>
    public static ScoreReport Score(string benchmark, IReadOnlyList<PredictionRecord> items, ScoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(options);
        if (!Benchmarks.Contains(benchmark))
            throw new ArgumentException($"unknown benchmark '{benchmark}'; known: {string.Join(", ", Benchmarks)}", nameof(benchmark));
        if (!Modes.Contains(options.Mode))
            throw new ArgumentException($"unknown mode '{options.Mode}'; known: {string.Join(", ", Modes)}", nameof(options));

        var latest = new Dictionary<string, PredictionRecord>(StringComparer.Ordinal);
        foreach (PredictionRecord r in items) latest[r.Id] = r;
        var unique = latest.Values.ToList();
        var acc = new ScoreAccumulator(benchmark);
        if (unique.Count < items.Count)
            acc.Notes.Add($"{items.Count - unique.Count} duplicate id(s); the last record of each id was scored");
        acc.Notes.Add($"mode: {options.Mode}");

        IReadOnlyCollection<double>? units = benchmark switch
        {
            "docvqa_val" => Scorers.Anls(unique, options, acc),
            "chartqa_test" => Scorers.ChartQa(unique, options, acc),
            "textvqa_val" => Scorers.TextVqa(unique, options, acc),
            "ai2d_test" => Scorers.VanillaChoice(unique, options, acc),
            "mmmu_val" => Scorers.Mmmu(unique, options, acc),
            "mathvista_testmini" => Scorers.MathVista(unique, options, acc),
            "mmbench_dev_cn" or "mmbench_dev_en" => Scorers.Circular(unique, acc),
            "ocrbench" => Scorers.OcrBench(unique, options, acc),
            _ => Scorers.RefCoco(unique, options, acc),
        };
        return acc.Build(units);
    }
}
