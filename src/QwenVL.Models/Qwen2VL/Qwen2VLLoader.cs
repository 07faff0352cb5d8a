// Glue for model_type "qwen2_vl": the Qwen2-VL vision tower in front of the shared Qwen2 decoder.
// Nothing numeric happens here; LoaderSupport does the binding common to the Qwen2 family.
using QwenVL.Models.Common;

namespace QwenVL.Models.Qwen2VL;

/// <summary>Loads Qwen2-VL checkpoints.</summary>
public static class Qwen2VLLoader
{
    /// <summary>Builds the model from a parsed checkpoint folder.</summary>
    public static VisionLanguageModel Load(ModelAssets assets, ModelLoadOptions options)
    {
        Qwen2VLVisionConfig v = Qwen2VLVisionConfig.Parse(assets.Config, lmHidden: assets.Config.Object("text_config")?.OptionalInt("hidden_size") ?? assets.Config.Int("hidden_size"));
        return LoaderSupport.BuildQwen2Family(assets, options, "qwen2-vl", "Qwen2VLForConditionalGeneration", (v.OutDim, "vision_config.hidden_size"),
            [
                new("vision", $"{v.Depth} blocks x {v.EmbedDim} wide, {v.NumHeads} heads, QuickGELU MLP {v.MlpDim}, full attention"),
                new("patch", $"{v.PatchSize} px, temporal {v.TemporalPatchSize}, merge {v.MergeSize}x{v.MergeSize}"),
            ],
            (scope, backend) => new Qwen2VLVisionEncoder(scope, v, backend));
    }
}
