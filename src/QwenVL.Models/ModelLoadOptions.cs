// How to load a model: which compute backend runs it, with how many threads, in which weight
// format, and how large the prefill chunk is (bounding activation memory: 512 rows of a 3B model
// is ~50 MB of scratch).
namespace QwenVL.Models;

/// <summary>In which format weights are kept in memory.</summary>
public enum WeightFormat
{
    /// <summary>As the checkpoint stores them (BF16 stays BF16; GGUF blocks stay blocks).</summary>
    AsStored,

    /// <summary>Matrices quantized at load to Q8_0 blocks (int8, one f16 scale per 32).</summary>
    Q8,

    /// <summary>Matrices quantized at load to 4-bit blocks.</summary>
    Q4,
}

/// <summary>Options for <see cref="ModelRegistry.Load"/>.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Backend name for <see cref="Tensors.ComputeBackends.Create"/> ("cpu", "reference", ...).</summary>
    public string Backend { get; init; } = "cpu";

    /// <summary>Compute threads; 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Weight format in memory.</summary>
    public WeightFormat Weights { get; init; } = WeightFormat.AsStored;

    /// <summary>
    /// Hand Q8_0 / Q4_0 / Q4_K / Q6_K matrices to the backend 8-row interleaved (Q8_0x8 ... Q6_Kx8), the layout the CPU
    /// decode kernels stream at the memory's read rate. Null: each block type where its interleaved kernels are the faster
    /// ones on this CPU (RowInterleave.PreferredFor: all four with AVX2 or ARM64 dotprod; Q4_K / Q6_K only on ARMv8.0).
    /// </summary>
    public bool? InterleaveQuantized { get; init; }

    /// <summary>Rows per prefill chunk (a remainder of up to a quarter of this joins the last chunk).</summary>
    public int PrefillChunk { get; init; } = 512;
}
