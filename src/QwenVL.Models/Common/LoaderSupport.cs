// Steps every generation's loader shares: opening the weights and the backend so that a failure
// half-way disposes what was opened, and resolving the template and special tokens.
using QwenVL.ChatTemplates;
using QwenVL.Checkpoints;
using QwenVL.Models.Text;
using QwenVL.Models.Vision;
using QwenVL.Tensors;

namespace QwenVL.Models.Common;

/// <summary>Shared loader plumbing.</summary>
public static class LoaderSupport
{
    /// <summary>Opens the weights and backend, runs <paramref name="build"/>, and disposes both if it throws.</summary>
    public static VisionLanguageModel Build(ModelAssets assets, ModelLoadOptions options,
        Func<IWeightSource, IComputeBackend, VisionLanguageModel> build)
    {
        IWeightSource weights;
        try
        {
            weights = WeightSources.Open(assets.Folder, options);
        }
        catch (CheckpointException e)
        {
            throw new ModelException(e.Message, e.File, e.Key, e);
        }
        IComputeBackend? backend = null;
        try
        {
            backend = ComputeBackends.Create(options.Backend, options.Threads);
            return build(weights, backend);
        }
        catch (CheckpointException e)
        {
            Cleanup(weights, backend);
            throw new ModelException(e.Message, e.File, e.Key, e);
        }
        catch
        {
            Cleanup(weights, backend);
            throw;
        }
    }

    /// <summary>
    /// Assembles a Qwen2-family model: parses the text config, checks the vision tower's output width,
    /// binds the decoder under either name layout ("model." / "model.language_model.") and the tower
    /// under "visual." / "model.visual." via <paramref name="vision"/>, and describes both.
    /// </summary>
    public static VisionLanguageModel BuildQwen2Family(ModelAssets assets, ModelLoadOptions options, string family, string architecture,
        (int OutDim, string Key) visionOut, IEnumerable<KeyValuePair<string, string>> visionDimensions,
        Func<WeightScope, IComputeBackend, IVisionEncoder> vision)
    {
        Qwen2TextConfig text = Qwen2TextConfig.Parse(assets.Config);
        if (visionOut.OutDim != text.HiddenSize)
        {
            throw assets.Config.Error(visionOut.Key, $"({visionOut.OutDim}) must equal the language model's hidden_size ({text.HiddenSize})");
        }
        SpecialTokens tokens = SpecialTokens.Resolve(assets.Tokenizer, assets.Config, assets.TokenizerPath);
        return Build(assets, options, (weights, backend) =>
        {
            var textWeights = new Qwen2TextWeights(new WeightScope(weights, "model.", "model.language_model."), new WeightScope(weights), text);
            IVisionEncoder encoder = vision(new WeightScope(weights, "visual.", "model.visual."), backend);
            ModelInfo info = ModelInfoBuilder.Build(weights, assets.ModelType, family, architecture,
            [
                .. visionDimensions,
                new("text", $"{text.NumLayers} layers x {text.HiddenSize} wide, {text.NumHeads} heads / {text.NumKvHeads} KV heads of {text.HeadDim}, MLP {text.IntermediateSize}"),
                new("vocab", $"{text.VocabSize} rows, tied embeddings: {text.TieWordEmbeddings}"),
                new("rope", $"theta {text.RopeTheta}, mrope_section [{string.Join(", ", text.MRopeSection)}]"),
            ], text.MaxPositionEmbeddings);
            return new VisionLanguageModel(info, assets, Template(assets, QwenChatTemplates.Qwen2VL), tokens,
                encoder, new Qwen2TextDecoder(text, textWeights, backend), weights, backend, options.PrefillChunk);
        });
    }

    /// <summary>The checkpoint's template, or the built-in one of the generation.</summary>
    public static ChatTemplate Template(ModelAssets assets, string fallbackSource) =>
        assets.Template ?? ChatTemplate.Parse(fallbackSource, "built-in Qwen2-VL template");

    private static void Cleanup(IWeightSource weights, IComputeBackend? backend)
    {
        (backend as IDisposable)?.Dispose();
        weights.Dispose();
    }
}
