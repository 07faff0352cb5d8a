// The benchmarks the runner knows, with the facts that decide how an item is read, prompted and
// labelled: the prompt kind (VQA, multiple choice, MMMU, ...) and the split actually scored locally
// (eval-metrics.md §0: DocVQA/MMBench/MMMU test answers are hidden, so val/dev are run and said so).
namespace QwenVL.Eval.Data;

/// <summary>How a benchmark's items are prompted.</summary>
public enum BenchmarkKind
{
    /// <summary>Short-answer VQA (DocVQA, ChartQA, TextVQA).</summary>
    Vqa,
    /// <summary>Vanilla multiple choice (AI2D).</summary>
    MultipleChoice,
    /// <summary>Circular multiple choice (MMBench).</summary>
    Circular,
    /// <summary>MMMU: multiple choice or open, several interleaved images.</summary>
    Mmmu,
    /// <summary>MathVista: raw question (hint inside) plus choices.</summary>
    MathVista,
    /// <summary>OCRBench: raw question.</summary>
    OcrBench,
    /// <summary>RefCOCO grounding: a referring expression, a box as answer.</summary>
    RefCoco,
}

/// <summary>Static facts per benchmark.</summary>
/// <param name="Name">Runner name, e.g. docvqa_val.</param>
/// <param name="Kind">Prompt kind.</param>
/// <param name="Split">Split label written in reports.</param>
public sealed record BenchmarkInfo(string Name, BenchmarkKind Kind, string Split)
{
    /// <summary>All benchmarks, in the order of issue 6.</summary>
    public static IReadOnlyList<BenchmarkInfo> All { get; } =
    [
        new("docvqa_val", BenchmarkKind.Vqa, "DocVQA val (published Qwen tables use test, scored by the RRC server)"),
        new("chartqa_test", BenchmarkKind.Vqa, "ChartQA test (human + augmented)"),
        new("ai2d_test", BenchmarkKind.MultipleChoice, "AI2D test"),
        new("textvqa_val", BenchmarkKind.Vqa, "TextVQA val"),
        new("mmmu_val", BenchmarkKind.Mmmu, "MMMU validation (dev rows of MMMU_DEV_VAL are skipped)"),
        new("mathvista_testmini", BenchmarkKind.MathVista, "MathVista testmini"),
        new("mmbench_dev_cn", BenchmarkKind.Circular, "MMBench-CN dev (published tables use test, scored by the server)"),
        new("mmbench_dev_en", BenchmarkKind.Circular, "MMBench-EN dev"),
        new("ocrbench", BenchmarkKind.OcrBench, "OCRBench (1000 items)"),
        new("refcoco_val", BenchmarkKind.RefCoco, "RefCOCO val"),
    ];

    /// <summary>Looks a benchmark up; ArgumentException lists the known names.</summary>
    public static BenchmarkInfo Get(string name) =>
        All.FirstOrDefault(b => b.Name == name)
        ?? throw new ArgumentException($"unknown benchmark '{name}'; known: {string.Join(", ", All.Select(b => b.Name))}", nameof(name));
}
