// Glue for model_type "qwen2_5_vl": the windowed Qwen2.5-VL vision tower in front of the shared
// Qwen2 decoder. Nothing numeric happens here; LoaderSupport does the common binding.
using QwenVL.Models.Common;

namespace QwenVL.Models.Qwen25VL;

/// <summary>Loads Qwen2.5-VL checkpoints.</summary>
public static class Qwen25VLLoader
{
    /// <summary>Builds the model from a parsed checkpoint folder.</summary>
    public static VisionLanguageModel Load(ModelAssets assets, ModelLoadOptions options)
    {
        Qwen25VLVisionConfig v = Qwen25VLVisionConfig.Parse(assets.Config, lmHidden: assets.Config.Object("text_config")?.OptionalInt("hidden_size") ?? assets.Config.Int("hidden_size"));
        return LoaderSupport.BuildQwen2Family(assets, options, "qwen2.5-vl", "Qwen2_5_VLForConditionalGeneration", (v.OutDim, "vision_config.out_hidden_size"),
            [
                new("vision", $"{v.Depth} blocks x {v.HiddenSize} wide, {v.NumHeads} heads, SwiGLU MLP {v.IntermediateSize}"),
                new("attention", $"{v.WindowSize} px windows, full attention in blocks [{string.Join(", ", v.FullAttentionBlocks)}]"),
                new("patch", $"{v.PatchSize} px, temporal {v.TemporalPatchSize}, merge {v.MergeSize}x{v.MergeSize}"),
            ],
            (scope, backend) => new Qwen25VLVisionEncoder(scope, v, backend));
    }
}
