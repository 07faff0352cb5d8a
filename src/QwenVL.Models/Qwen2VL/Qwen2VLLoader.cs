// Glue for model_type "qwen2_vl": parse the config, bind the vision tower and the Qwen2 decoder
// under either tensor-name layout, and assemble the model. Nothing numeric happens here.
using QwenVL.Models.Common;
using QwenVL.Models.Text;

namespace QwenVL.Models.Qwen2VL;

/// <summary>Loads Qwen2-VL checkpoints.</summary>
public static class Qwen2VLLoader
{
    /// <summary>Builds the model from a parsed checkpoint folder.</summary>
    public static VisionLanguageModel Load(ModelAssets assets, ModelLoadOptions options)
    {
        Qwen2TextConfig text = Qwen2TextConfig.Parse(assets.Config);
        Qwen2VLVisionConfig vision = Qwen2VLVisionConfig.Parse(assets.Config, text.HiddenSize);
        if (vision.OutDim != text.HiddenSize)
        {
            throw assets.Config.Error("vision_config.hidden_size", $"({vision.OutDim}) must equal the language model's hidden_size ({text.HiddenSize})");
        }
        SpecialTokens tokens = SpecialTokens.Resolve(assets.Tokenizer, assets.Config, assets.TokenizerPath);
        return LoaderSupport.Build(assets, options, (weights, backend) =>
        {
            var root = new WeightScope(weights);
            var textWeights = new Qwen2TextWeights(new WeightScope(weights, "model.", "model.language_model."), root, text);
            var encoder = new Qwen2VLVisionEncoder(new WeightScope(weights, "visual.", "model.visual."), vision, backend);
            ModelInfo info = ModelInfoBuilder.Build(weights, "qwen2_vl", "qwen2-vl", "Qwen2VLForConditionalGeneration",
            [
                new("vision", $"{vision.Depth} blocks x {vision.EmbedDim} wide, {vision.NumHeads} heads, QuickGELU MLP {vision.MlpDim}, full attention"),
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
