// Qwen's published numbers (eval-metrics.md §12) for matching a run to its checkpoint. Only values
// read at a primary source are listed; rows marked UNVERIFIED in the doc (AI2D, RefCOCO, Qwen3-VL)
// are left out, so the report says "unknown" rather than repeat an unchecked number.
using System.Globalization;
using System.Text.RegularExpressions;

namespace QwenVL.Eval.Reports;

/// <summary>A published score.</summary>
/// <param name="Checkpoint">e.g. "Qwen2-VL-7B-Instruct".</param>
/// <param name="Value">On the runner's 0-100 scale (OCRBench 845/1000 -> 84.5).</param>
/// <param name="Label">What the number is: split, framework, caveats.</param>
/// <param name="Source">Where Qwen published it.</param>
public sealed record PublishedScore(string Checkpoint, double Value, string Label, string Source);

/// <summary>Lookup of published numbers by benchmark and checkpoint name.</summary>
public static partial class PublishedScores
{
    const string Qwen2Readme = "QwenLM/Qwen2.5-VL README @3bf7dbd";
    const string Qwen25Readme = "QwenLM/Qwen2.5-VL README @f0af299";

    // (benchmark, family, size) -> value, label, source.
    static readonly Dictionary<(string, string, string), (double, string, string)> Table = Build();

    [GeneratedRegex(@"qwen[-_]?(2\.5|2_5|25|2)[-_]?vl[-_]?(\d+)b", RegexOptions.IgnoreCase)]
    private static partial Regex CheckpointName();

    /// <summary>Recognises "Qwen2.5-VL-7B-Instruct", "qwen2-vl-2b", "Qwen/Qwen2_5-VL-72B-Instruct" ...; null otherwise.</summary>
    public static (string Family, string Size)? ParseCheckpoint(string? name)
    {
        if (string.IsNullOrEmpty(name)) return null;
        Match m = CheckpointName().Match(name);
        if (!m.Success) return null;
        string family = m.Groups[1].Value == "2" ? "qwen2-vl" : "qwen2.5-vl";
        return (family, m.Groups[2].Value + "b");
    }

    /// <summary>The published number for <paramref name="benchmark"/> and the checkpoint named by <paramref name="modelName"/>, or null.</summary>
    public static PublishedScore? Find(string benchmark, string? modelName)
    {
        if (ParseCheckpoint(modelName) is not { } c) return null;
        if (!Table.TryGetValue((benchmark, c.Family, c.Size), out var v)) return null;
        string display = (c.Family == "qwen2-vl" ? "Qwen2-VL-" : "Qwen2.5-VL-") + c.Size.ToUpperInvariant() + "-Instruct";
        return new PublishedScore(display, v.Item1, v.Item2, v.Item3);
    }

    static Dictionary<(string, string, string), (double, string, string)> Build()
    {
        var t = new Dictionary<(string, string, string), (double, string, string)>();
        void Add(string bench, string family, string sizes, string values, string label, string source)
        {
            string[] s = sizes.Split('/'), v = values.Split('/');
            for (int i = 0; i < s.Length; i++)
                if (v[i] != "-") t[(bench, family, s[i])] = (double.Parse(v[i], CultureInfo.InvariantCulture), label, source);
        }
        const string q2 = "2b/7b/72b", q25 = "3b/7b/72b";
        Add("docvqa_val", "qwen2-vl", q2, "88.34/93.89/95.79", "DocVQA_VAL, VLMEvalKit, BF16 (quantization table)", Qwen2Readme);
        Add("docvqa_val", "qwen2.5-vl", q25, "93.9/95.7/96.4", "DocVQA TEST (server-scored; a different split from this run)", Qwen25Readme);
        Add("chartqa_test", "qwen2-vl", q2, "73.5/83.0/88.3", "ChartQA test", Qwen2Readme);
        Add("chartqa_test", "qwen2.5-vl", q25, "-/87.3/-", "ChartQA test (model card, read via copies: unverified at source)", "Qwen/Qwen2.5-VL-7B-Instruct model card");
        Add("textvqa_val", "qwen2-vl", q2, "79.7/84.3/85.5", "TextVQA val", Qwen2Readme);
        Add("textvqa_val", "qwen2.5-vl", q25, "-/84.9/-", "TextVQA val (model card, read via copies: unverified at source)", "Qwen/Qwen2.5-VL-7B-Instruct model card");
        Add("mmmu_val", "qwen2-vl", q2, "41.88/53.77/65.44", "MMMU_VAL, VLMEvalKit, BF16 (quantization table)", Qwen2Readme);
        Add("mmmu_val", "qwen2.5-vl", q25, "53.1/58.6/70.2", "MMMU val", Qwen25Readme);
        Add("mathvista_testmini", "qwen2-vl", q2, "44.40/58.20/70.19", "MathVista_MINI, VLMEvalKit with GPT judge, BF16", Qwen2Readme);
        Add("mathvista_testmini", "qwen2.5-vl", q25, "62.3/68.2/74.8", "MathVista testmini (judged)", Qwen25Readme);
        Add("mmbench_dev_cn", "qwen2-vl", q2, "73.5/80.5/86.6", "MMBench-CN TEST (server-scored; a different split from this run)", Qwen2Readme);
        Add("mmbench_dev_en", "qwen2-vl", q2, "72.07/81.78/86.94", "MMBench_DEV_EN, VLMEvalKit, BF16 (quantization table)", Qwen2Readme);
        Add("ocrbench", "qwen2-vl", q2, "79.4/84.5/87.7", "OCRBench 794/845/877 of 1000", Qwen2Readme);
        Add("ocrbench", "qwen2.5-vl", q25, "-/86.4/-", "OCRBench 864 of 1000 (model card via copies: unverified at source)", "Qwen/Qwen2.5-VL-7B-Instruct model card");
        return t;
    }
}
