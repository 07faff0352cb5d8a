// The prompt each framework sends for each (model family, benchmark), transcribed from
// eval-metrics.md §1.2 and the per-benchmark sections (VLMEvalKit Qwen2VLPromptMixin for Qwen2-VL,
// dataset build_prompt defaults for Qwen2.5/3-VL; lmms-eval task YAML/utils + its Qwen system prompt).
// RefCOCO prompts are not published by Qwen: ids ending "-unverified" mark our choice.
using System.Text;
using System.Text.RegularExpressions;
using QwenVL.Eval.Data;

namespace QwenVL.Eval.Prompts;

/// <summary>Builds the prompt for one item.</summary>
public static partial class PromptTable
{
    /// <summary>Model families with distinct prompts/box conventions.</summary>
    public static IReadOnlyList<string> Families { get; } = ["qwen2-vl", "qwen2.5-vl", "qwen3-vl"];

    /// <summary>Evaluation frameworks whose prompts and pixel limits can be reproduced.</summary>
    public static IReadOnlyList<string> Modes { get; } = ["vlmevalkit", "lmms-eval"];

    const string LmmsSystem = "You are a helpful assistant.";   // lmms-eval qwen2_vl / qwen2_5_vl / qwen3_vl classes
    const string VkMcqTail = "Please select the correct answer from the options above. \n";
    const string VkQwen2VqaTail = "\nPlease try to answer the question with short words or phrases if possible.";
    const string ShortAnswer = "\nAnswer the question using a single word or phrase.";
    const string LetterDirect = "Answer with the option's letter from the given choices directly.";

    [GeneratedRegex(@"<image (\d+)>")]
    private static partial Regex ImageTag();

    [GeneratedRegex(@"[\u4e00-\u9fff]")]
    private static partial Regex Cjk();

    /// <summary>The prompt for <paramref name="item"/>; ArgumentException for an unknown family or mode.</summary>
    public static PromptSpec Build(BenchmarkItem item, string benchmark, string family, string mode)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!Families.Contains(family)) throw new ArgumentException($"unknown family '{family}'; known: {string.Join(", ", Families)}", nameof(family));
        if (!Modes.Contains(mode)) throw new ArgumentException($"unknown mode '{mode}'; known: {string.Join(", ", Modes)}", nameof(mode));
        BenchmarkInfo b = BenchmarkInfo.Get(benchmark);
        return mode == "lmms-eval" ? Lmms(item, b, family) : VlmEvalKit(item, b, family);
    }

    static PromptSpec VlmEvalKit(BenchmarkItem item, BenchmarkInfo b, string family)
    {
        // Qwen2VLChat: max_new_tokens 2048; Qwen2-VL uses its custom prompts, Qwen2.5/3-VL the dataset defaults.
        const int max = 2048;
        bool custom = family == "qwen2-vl";
        string tag = custom ? "vlmevalkit/qwen2-vl-custom/" : "vlmevalkit/dataset-default/";
        switch (b.Kind)
        {
            case BenchmarkKind.Vqa:
                return ImagesThen(item, $"{tag}vqa", null, item.Question + (custom ? VkQwen2VqaTail : ShortAnswer), max);
            case BenchmarkKind.MathVista or BenchmarkKind.OcrBench:
                // VQA-type datasets: Qwen2-VL appends its short-answer sentence; the default sends the raw question.
                return custom ? ImagesThen(item, $"{tag}vqa", null, item.Question + VkQwen2VqaTail, max)
                    : ImagesThen(item, $"{tag}raw-question", null, item.Question, max);
            case BenchmarkKind.MultipleChoice or BenchmarkKind.Circular:
            {
                string block = McqBlock(item);
                if (!custom) return ImagesThen(item, $"{tag}mcq", null, block + (item.Options.Count > 0 ? VkMcqTail : ""), max);
                if (item.Options.Count > 0) block += Cjk().IsMatch(block) ? "请直接回答选项字母。" : "Please select the correct answer from the options above.";
                return ImagesThen(item, $"{tag}mcq", null, block.TrimEnd(), max);
            }
            case BenchmarkKind.Mmmu:
            {
                string text = McqBlock(item) + (item.Options.Count > 0 ? VkMcqTail : "");
                // Qwen2-VL custom: all images first, text rstripped; default: images interleaved at <image k> (split_MMMU).
                return custom ? ImagesThen(item, $"{tag}mmmu", null, text.TrimEnd(), max) : Interleaved(item, $"{tag}mmmu-interleaved", text, max);
            }
            default:
                return RefCoco(item, family, "vlmevalkit", max);
        }
    }

    static PromptSpec Lmms(BenchmarkItem item, BenchmarkInfo b, string family)
    {
        string tag = "lmms-eval/default/";
        switch (b.Name)
        {
            case "docvqa_val": return ImagesThen(item, tag + "docvqa", LmmsSystem, item.Question + ShortAnswer, 32);
            case "chartqa_test": return ImagesThen(item, tag + "chartqa", LmmsSystem, item.Question + "\nAnswer the question with a single word.", 16);
            // textvqa_doc_to_text: str.capitalize() lowercases the rest of the question. max_new_tokens not verified (16 assumed).
            case "textvqa_val": return ImagesThen(item, tag + "textvqa", LmmsSystem, Capitalize(item.Question) + ShortAnswer, 16);
            case "ai2d_test": return ImagesThen(item, tag + "ai2d", LmmsSystem, $"{item.Question}\n{OptionLines(item)}\n{LetterDirect}", 16);
            case "ocrbench": return ImagesThen(item, tag + "ocrbench", LmmsSystem, item.Question, 128);
            case "mmmu_val":
            {
                // <image k> -> "<image>" -> removed by the Qwen model classes; images go first.
                string q = ImageTag().Replace(item.Question, "");
                string text = item.Options.Count > 0 ? $"{q}\n{OptionLines(item)}\n\n{LetterDirect}" : $"{q}\n\nAnswer the question using a single word or phrase.";
                return ImagesThen(item, tag + "mmmu", LmmsSystem, text, 128);
            }
            case "mathvista_testmini": return ImagesThen(item, tag + "mathvista-format", LmmsSystem, MathVistaFormat(item), 16384);
            case "mmbench_dev_en" or "mmbench_dev_cn":
            {
                bool cn = b.Name.EndsWith("_cn", StringComparison.Ordinal);
                string options = "There are several options:\n" + OptionLines(item);
                string query = item.Hint is { } h ? $"{h} {item.Question} {options}" : $"{item.Question} {options}";
                string post = cn ? "\n请直接使用所提供的选项字母作为答案回答。" : "\n" + LetterDirect;
                return ImagesThen(item, tag + (cn ? "mmbench-cn" : "mmbench-en"), LmmsSystem, query + "\n" + post, cn ? 256 : 1024);
            }
            default: return RefCoco(item, family, "lmms-eval", 128);
        }
    }

    static PromptSpec RefCoco(BenchmarkItem item, string family, string mode, int max)
    {
        if (mode == "lmms-eval")
        {
            // refcoco_bbox_rec asks for normalised floats; wording not verified at source.
            string t = "Bounding box coordinates are specified in the format (top-left x, top-left y, bottom-right x, bottom-right y). "
                + "All values are floating point numbers bounded between 0 and 1. Please provide the bounding box coordinate of the region this sentence describes: " + item.Question;
            return ImagesThen(item, "lmms-eval/default/refcoco-bbox-rec-unverified", LmmsSystem, t, max);
        }
        return family == "qwen2-vl"
            ? ImagesThen(item, "vlmevalkit/native/refcoco-qwen2-vl-unverified", null, $"Find <|object_ref_start|>{item.Question}<|object_ref_end|>", max)
            : ImagesThen(item, "vlmevalkit/native/refcoco-json-unverified", null, $"Locate \"{item.Question}\" in the image and output its bbox coordinates in JSON format.", max);
    }

    // VLMEvalKit MCQ block: "Hint: ..\n" (if any), "Question: ..\n", "Options:\nA. ..\n" (if any).
    static string McqBlock(BenchmarkItem item)
    {
        var sb = new StringBuilder();
        if (item.Hint is not null) sb.Append("Hint: ").Append(item.Hint).Append('\n');
        sb.Append("Question: ").Append(item.Question).Append('\n');
        if (item.Options.Count > 0)
        {
            sb.Append("Options:\n");
            foreach (var (k, v) in item.Options) sb.Append(k).Append(". ").Append(v).Append('\n');
        }
        return sb.ToString();
    }

    static string OptionLines(BenchmarkItem item) => string.Join("\n", item.Options.Select(o => $"{o.Key}. {o.Value}"));

    // lmms-eval MathVista "format-prompt": question, unit, choices, then a hint by answer type (§6).
    static string MathVistaFormat(BenchmarkItem item)
    {
        var sb = new StringBuilder(item.Question);
        if (item.Extra.TryGetValue("unit", out string? unit) && !string.IsNullOrWhiteSpace(unit)) sb.Append(" (Unit: ").Append(unit).Append(')');
        if (item.Options.Count > 0) sb.Append('\n').Append(OptionLines(item));
        string at = item.Extra.GetValueOrDefault("answer_type") ?? "text";
        string precision = item.Extra.GetValueOrDefault("precision") ?? "";
        string hint = item.Options.Count > 0 ? LetterDirect : at switch
        {
            "integer" => "Answer the question using a single integer number.",
            "float" when precision.StartsWith('1') => "Answer the question using a single floating-point number with one decimal place.",
            "float" => "Answer the question using a single floating-point number with two decimal places.",
            "list" => "Answer the question using a Python list.",
            _ => "Answer the question using a single word or phrase.",
        };
        return sb.Append('\n').Append(hint).ToString();
    }

    static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    static PromptSpec ImagesThen(BenchmarkItem item, string id, string? system, string text, int max)
    {
        var parts = Enumerable.Range(0, item.Images.Count).Select(PromptPart.Image).ToList();
        parts.Add(PromptPart.Of(text));
        return new PromptSpec(id, system, parts, max);
    }

    // split_MMMU: text cut at each <image k>, the k-th image placed there; no tags -> images first.
    static PromptSpec Interleaved(BenchmarkItem item, string id, string text, int max)
    {
        var parts = new List<PromptPart>();
        int last = 0;
        foreach (Match m in ImageTag().Matches(text))
        {
            int k = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - 1;
            if (k < 0 || k >= item.Images.Count) continue;   // a tag without an image stays as text
            if (m.Index > last) parts.Add(PromptPart.Of(text[last..m.Index]));
            parts.Add(PromptPart.Image(k));
            last = m.Index + m.Length;
        }
        if (!parts.Any(p => p.IsImage)) return ImagesThen(item, id, null, text, max);
        if (last < text.Length) parts.Add(PromptPart.Of(text[last..]));
        return new PromptSpec(id, null, parts, max);
    }
}
