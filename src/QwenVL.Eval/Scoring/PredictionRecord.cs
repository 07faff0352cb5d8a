// One scored item: the model's raw prediction, the reference answers and the per-benchmark
// metadata a scorer needs (choices, circular group, image sizes, box family).
// This file only holds data; it does not parse, normalise or score anything.
namespace QwenVL.Eval.Scoring;

/// <summary>A prediction with its reference answers; the unit every scorer consumes.</summary>
/// <param name="Id">Item id, unique within a benchmark (used as the key of per-item scores).</param>
/// <param name="Prediction">The raw model output, unmodified.</param>
/// <param name="Answers">Reference answers (one or more; VQA has ten annotator answers).</param>
public sealed record PredictionRecord(string Id, string Prediction, IReadOnlyList<string> Answers)
{
    /// <summary>Multiple choice: option letter ("A") to option text.</summary>
    public IReadOnlyDictionary<string, string>? Choices { get; init; }

    /// <summary>MMBench circular group (the original question index shared by all rotations).</summary>
    public string? Group { get; init; }

    /// <summary>RefCOCO: original image size in pixels.</summary>
    public (int Width, int Height)? ImageSize { get; init; }

    /// <summary>RefCOCO box convention: qwen2-vl | qwen2.5-vl | qwen3-vl.</summary>
    public string? Family { get; init; }

    /// <summary>RefCOCO qwen2.5-vl: the resized (model input) size when the runner knows it.</summary>
    public (int Width, int Height)? ResizedSize { get; init; }

    /// <summary>Per-benchmark question type, e.g. MathVista answer_type or MMMU question_type.</summary>
    public string? QuestionType { get; init; }

    /// <summary>Any other per-benchmark fields (MathVista precision, unit, ...).</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }
}

/// <summary>Scoring knobs: which anchor's rules to follow and the seed for random fallbacks.</summary>
/// <param name="Mode">vlmevalkit | lmms-eval | official.</param>
/// <param name="Seed">Seed of the RNG used by MMMU-style random choice fallbacks.</param>
public sealed record ScoreOptions(string Mode = "vlmevalkit", int Seed = 42);

/// <summary>The result of scoring one benchmark.</summary>
/// <param name="Benchmark">Benchmark name as passed to <see cref="BenchmarkScorer.Score"/>.</param>
/// <param name="Score">Overall score in [0, 100].</param>
/// <param name="Count">Number of items (or circular groups for MMBench) that were scored.</param>
/// <param name="ItemScores">Per-item score in [0, 1], keyed by item id.</param>
/// <param name="ExtractionFailures">Predictions from which no answer could be extracted.</param>
/// <param name="RandomFallbacks">Multiple-choice items answered by the seeded random fallback.</param>
/// <param name="SubScores">Breakdowns (per category, per question type), in [0, 100].</param>
/// <param name="Notes">Human-readable caveats (metric variant, no LLM judge, ...).</param>
public sealed record ScoreReport(
    string Benchmark,
    double Score,
    int Count,
    IReadOnlyDictionary<string, double> ItemScores,
    int ExtractionFailures,
    int RandomFallbacks,
    IReadOnlyDictionary<string, double> SubScores,
    IReadOnlyList<string> Notes);
