// Glue for model_type "qwen2_5_vl": parse the config, bind the windowed vision tower and the
// Qwen2 decoder under either tensor-name layout, and assemble the model. Nothing numeric here.
using QwenVL.Models.Common;
using QwenVL.Models.Text;

namespace QwenVL.Models.Qwen25VL;

/// <summary>Loads Qwen2.5-VL checkpoints.</summary>
public static class Qwen25VLLoader
{
    /// <summary>Builds the model from a parsed checkpoint folder.</summary>
    public static VisionLanguageModel Load(ModelAssets assets, ModelLoadOptions options)
    {
        Qwen2TextConfig text = Qwen2TextConfig.Parse(assets.Config);
        Qwen25VLVisionConfig vision = Qwen25VLVisionConfig.Parse(assets.Config, text.HiddenSize);
        if (vision.OutDim != text.HiddenSize)
        {
            throw assets.Config.Error("vision_config.out_hidden_size", $"({vision.OutDim}) must equal the language model's hidden_size ({text.HiddenSize})");
        }
        SpecialTokens tokens = SpecialTokens.Resolve(assets.Tokenizer, assets.Config, assets.TokenizerPath);
        return LoaderSupport.Build(assets, options, (weights, backend) =>
        {
            var root = new WeightScope(weights);
            var textWeights = new Qwen2TextWeights(new WeightScope(weights, "model.", "model.language_model."), root, text);
            var encoder = new Qwen25VLVisionEncoder(new WeightScope(weights, "visual.", "model.visual."), vision, backend);
            ModelInfo info = ModelInfoBuilder.Build(weights, "qwen2_5_vl", "qwen2.5-vl", "Qwen2_5_VLForConditionalGeneration",
            [
                new("vision", $"{vision.Depth} blocks x {vision.HiddenSize} wide, {vision.NumHeads} heads, SwiGLU MLP {vision.IntermediateSize}"),
                new("attention", $"{vision.WindowSize} px windows, full attention in blocks [{string.Join(", ", vision.FullAttentionBlocks)}]"),
                new("patch", $"{vision.PatchSize} px, temporal {vision.TemporalPatchSize}, merge {vision.MergeSize}x{vision.MergeSize}"),
                new("text", $"{text.NumLayers} layers x {text.HiddenSize} wide, {text.NumHeads} heads / {text.NumKvHeads} KV heads of {text.HeadDim}, MLP {text.IntermediateSize}"),
                new("vocab", $"{text.VocabSize} rows, tied embeddings: {text.TieWordEmbeddings}"),
                new("rope", $"theta {text.RopeTheta}, mrope_section [{string.Join(", ", text.MRopeSection)}]"),
            ], text.MaxPositionEmbeddings);
            return new VisionLanguageModel(info, assets, LoaderSupport.Template(assets, QwenChatTemplates.Qwen2VL), tokens,
                encoder, new Qwen2TextDecoder(text, textWeights, backend), weights, backend, options.PrefillChunk);
        });
    }
}
