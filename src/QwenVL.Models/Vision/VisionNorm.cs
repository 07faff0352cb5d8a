// The vision towers' per-token norm: LayerNorm with bias (Qwen2-VL) or RMSNorm (Qwen2.5-VL),
// both eps 1e-6 in every released checkpoint (HF hard-codes it; it is not in config.json).
using QwenVL.Models.Common;
using QwenVL.Tensors;

namespace QwenVL.Models.Vision;

/// <summary>LayerNorm when a bias exists, RMSNorm otherwise.</summary>
public sealed class VisionNorm
{
    /// <summary>The reference's fixed epsilon (nn.LayerNorm(eps=1e-6) / Qwen2RMSNorm(eps=1e-6)).</summary>
    public const float Epsilon = 1e-6f;

    private readonly float[] _weight;
    private readonly float[]? _bias;

    /// <summary>Binds <c>{name}.weight</c> [dim] and, for LayerNorm, <c>{name}.bias</c> [dim].</summary>
    public VisionNorm(WeightScope s, string name, int dim, bool layerNorm)
    {
        _weight = s.Vector(name + ".weight", dim);
        _bias = layerNorm ? s.Vector(name + ".bias", dim) : null;
    }

    /// <summary>Normalizes <paramref name="rows"/> rows of width <paramref name="dim"/>.</summary>
    public void Apply(IComputeBackend backend, ReadOnlySpan<float> x, int rows, int dim, Span<float> y)
    {
        if (_bias is null)
        {
            backend.RmsNorm(x, rows, dim, _weight, Epsilon, y);
        }
        else
        {
            backend.LayerNorm(x, rows, dim, _weight, _bias, Epsilon, y);
        }
    }
}
