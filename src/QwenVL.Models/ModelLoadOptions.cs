// How to load a model: which compute backend runs it, with how many threads, and how large the
// prefill chunk is (bounding activation memory: 512 rows of a 3B model is ~50 MB of scratch).
using QwenVL.Tensors;

namespace QwenVL.Models;

/// <summary>Options for <see cref="ModelRegistry.Load"/>.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Backend name for <see cref="ComputeBackends.Create"/> ("cpu", "reference", ...).</summary>
    public string Backend { get; init; } = "cpu";

    /// <summary>Compute threads; 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Rows per prefill chunk.</summary>
    public int PrefillChunk { get; init; } = 512;
}
