// Steps every generation's loader shares: opening the weights and the backend so that a failure
// half-way disposes what was opened, and resolving the template and special tokens.
using QwenVL.ChatTemplates;
using QwenVL.Checkpoints;
using QwenVL.Tensors;

namespace QwenVL.Models.Common;

/// <summary>Shared loader plumbing.</summary>
public static class LoaderSupport
{
    /// <summary>Opens the weights and backend, runs <paramref name="build"/>, and disposes both if it throws.</summary>
    public static VisionLanguageModel Build(ModelAssets assets, ModelLoadOptions options,
        Func<CheckpointWeights, IComputeBackend, VisionLanguageModel> build)
    {
        CheckpointWeights weights;
        try
        {
            weights = CheckpointWeights.Open(assets.Folder);
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

    /// <summary>The checkpoint's template, or the built-in one of the generation.</summary>
    public static ChatTemplate Template(ModelAssets assets, string fallbackSource) =>
        assets.Template ?? ChatTemplate.Parse(fallbackSource, "built-in Qwen2-VL template");

    private static void Cleanup(CheckpointWeights weights, IComputeBackend? backend)
    {
        (backend as IDisposable)?.Dispose();
        weights.Dispose();
    }
}
