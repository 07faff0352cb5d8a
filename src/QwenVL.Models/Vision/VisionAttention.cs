// Bidirectional multi-head self-attention of the vision towers: fused qkv projection with bias,
// 2-D rotary on q and k, attention inside each segment only (an image, or a Qwen2.5-VL window),
// output projection with bias. Scratch comes from the caller; nothing is allocated here.
using QwenVL.Models.Common;
using QwenVL.Tensors;

namespace QwenVL.Models.Vision;

/// <summary>attn.qkv + attn.proj of one vision block.</summary>
public sealed class VisionAttention
{
    private readonly int _dim;
    private readonly int _heads;
    private readonly int _headDim;

    /// <summary>Binds <c>attn.qkv</c> [3D, D] + [3D] and <c>attn.proj</c> [D, D] + [D].</summary>
    public VisionAttention(WeightScope s, int dim, int heads)
    {
        _dim = dim;
        _heads = heads;
        _headDim = dim / heads;
        Qkv = new Linear(s, "attn.qkv", 3 * dim, dim, bias: true);
        Proj = new Linear(s, "attn.proj", dim, dim, bias: true);
    }

    /// <summary>Fused Q, K, V projection: rows are Q (D), K (D), V (D).</summary>
    public Linear Qkv { get; }

    /// <summary>Output projection.</summary>
    public Linear Proj { get; }

    /// <summary>
    /// <paramref name="output"/>[n, D] = proj(attention(x)) over segments given as cumulative
    /// row offsets (<c>cuSeqlens[0] = 0</c>, last = n). <paramref name="qkv"/> [n, 3D] and
    /// <paramref name="attn"/> [n, D] are scratch.
    /// </summary>
    public void Forward(IComputeBackend backend, ReadOnlySpan<float> x, int n, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin,
        ReadOnlySpan<int> cuSeqlens, Span<float> qkv, Span<float> attn, Span<float> output)
    {
        int d = _dim, stride = 3 * d;
        Qkv.Forward(backend, x, n, qkv);
        backend.Rope(qkv, n, _heads, _headDim, stride, cos, sin);
        backend.Rope(qkv[d..], n, _heads, _headDim, stride, cos, sin);
        float scale = 1f / MathF.Sqrt(_headDim);
        for (int s = 0; s + 1 < cuSeqlens.Length; s++)
        {
            int s0 = cuSeqlens[s], rows = cuSeqlens[s + 1] - s0;
            if (rows == 0)
            {
                continue;
            }
            int span = (rows - 1) * stride + d;
            backend.Attention(qkv.Slice(s0 * stride, span), rows, stride,
                qkv.Slice(s0 * stride + d, span), qkv.Slice(s0 * stride + 2 * d, span), rows, stride,
                _heads, _heads, _headDim, scale, causalOffset: -1, attn.Slice(s0 * d, rows * d), d);
        }
        Proj.Forward(backend, attn, n, output);
    }
}
