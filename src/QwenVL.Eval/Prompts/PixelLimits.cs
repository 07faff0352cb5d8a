// Image pixel budgets per evaluation framework (eval-metrics.md §1.2-§1.3): VLMEvalKit's Qwen2VLChat
// config uses 1280..16384 x 28x28 for Qwen2-VL and Qwen2.5-VL (OCRBench raises min to 10x10x28x28,
// qwen2_vl/model.py _prepare_content); lmms-eval's model classes use their own per-family defaults.
namespace QwenVL.Eval.Prompts;

/// <summary>Pixel limits (area of the resized image) handed to the engine or the endpoint.</summary>
/// <param name="Min">Smallest resized area.</param>
/// <param name="Max">Largest resized area.</param>
public readonly record struct PixelLimits(long Min, long Max)
{
    // One visual token covers a 28x28 patch after the 2x2 merge.
    const long Patch = 28 * 28;

    /// <summary>Limits for (mode, family, benchmark).</summary>
    public static PixelLimits For(string mode, string family, string benchmark)
    {
        if (mode == "lmms-eval")
        {
            // lmms_eval/models/simple/qwen2_vl.py: 3136..602112 (768 tokens); qwen2_5_vl/qwen3_vl: 256..2048 tokens.
            return family == "qwen2-vl" ? new(3136, 602_112) : new(256 * Patch, 2048 * Patch);
        }
        long min = benchmark == "ocrbench" ? 10 * 10 * Patch : 1280 * Patch;
        return new(min, 16384 * Patch);
    }
}
