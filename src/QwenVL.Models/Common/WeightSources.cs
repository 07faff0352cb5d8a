// The one place that decides how a checkpoint folder's weights are opened: today safetensors
// files as stored. GGUF files and quantize-at-load (ModelLoadOptions.Weights) plug in here, so no
// model code changes when a storage format is added.
namespace QwenVL.Models.Common;

/// <summary>Opens the weight source for a folder.</summary>
public static class WeightSources
{
    /// <summary>Opens <paramref name="folder"/>'s weights according to <paramref name="options"/>.</summary>
    public static IWeightSource Open(string folder, ModelLoadOptions options)
    {
        if (options.Weights != WeightFormat.AsStored)
        {
            throw new ModelException($"weight format {options.Weights} is not supported yet; use {WeightFormat.AsStored}", folder);
        }
        return CheckpointWeights.Open(folder);
    }
}
