// Engine-wide knobs: how many sequences share a decode step, and how much memory the image and
// KV-prefix caches may hold. Defaults suit a 3B model on a 24 GiB machine: a 1288x728 image's
// embeddings are ~10 MB, a 4096-token KV cache of Qwen2.5-VL-3B is ~290 MB.
namespace QwenVL.Engine;

/// <summary>Options for <see cref="InferenceEngine"/>.</summary>
public sealed record EngineOptions
{
    /// <summary>Most sequences decoded together in one step (continuous batching).</summary>
    public int MaxBatch { get; init; } = 4;

    /// <summary>Byte budget of cached image embeddings (0 disables the cache).</summary>
    public long ImageCacheBytes { get; init; } = 256L << 20;

    /// <summary>Byte budget of idle KV caches kept for prefix reuse (0 disables reuse).</summary>
    public long SessionCacheBytes { get; init; } = 1L << 30;

    /// <summary>Smallest KV cache allocated for a sequence, so a follow-up turn usually fits without copying.</summary>
    public int MinSessionCapacity { get; init; } = 4096;
}
