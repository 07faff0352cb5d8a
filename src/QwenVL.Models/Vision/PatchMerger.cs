// The projector shared by Qwen2-VL and Qwen2.5-VL: norm each patch token (ln_q), view four
// consecutive tokens (one 2×2 merge unit) as one row of 4D, then Linear(4D, 4D) → exact GELU →
// Linear(4D, out). Output rows are merge units in the order the input listed them.
using QwenVL.Models.Common;
using QwenVL.Tensors;

namespace QwenVL.Models.Vision;

/// <summary>visual.merger.*</summary>
public sealed class PatchMerger
{
    private readonly VisionNorm _norm;
    private readonly Linear _fc1;
    private readonly Linear _fc2;
    private readonly int _dim;
    private readonly int _unit;

    /// <summary>Binds <c>ln_q</c> [D], <c>mlp.0</c> [4D, 4D] + [4D], <c>mlp.2</c> [out, 4D] + [out].</summary>
    public PatchMerger(WeightScope s, int dim, int merge, int outDim, bool layerNorm)
    {
        _dim = dim;
        _unit = merge * merge;
        _norm = new VisionNorm(s, "ln_q", dim, layerNorm);
        _fc1 = new Linear(s, "mlp.0", dim * _unit, dim * _unit, bias: true);
        _fc2 = new Linear(s, "mlp.2", outDim, dim * _unit, bias: true);
    }

    /// <summary>Output width (the language model's hidden size).</summary>
    public int OutDim => _fc2.Out;

    /// <summary>Merges <paramref name="n"/> patch rows into n/4 rows of <see cref="OutDim"/>; <paramref name="scratch"/> holds 2·n·D floats.</summary>
    public void Forward(IComputeBackend backend, ReadOnlySpan<float> x, int n, Span<float> scratch, Span<float> output)
    {
        int units = n / _unit;
        Span<float> normed = scratch[..(n * _dim)];
        Span<float> hidden = scratch.Slice(n * _dim, n * _dim);
        _norm.Apply(backend, x, n, _dim, normed);
        _fc1.Forward(backend, normed, units, hidden);
        backend.GeluErf(hidden);
        _fc2.Forward(backend, hidden, units, output);
    }
}
