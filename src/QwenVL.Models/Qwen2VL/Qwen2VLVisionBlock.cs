// One Qwen2-VL ViT block: x += proj(attn(LayerNorm(x))); x += fc2(QuickGELU(fc1(LayerNorm(x)))).
using QwenVL.Models.Common;
using QwenVL.Models.Vision;
using QwenVL.Tensors;

namespace QwenVL.Models.Qwen2VL;

/// <summary>visual.blocks.{i}.*</summary>
public sealed class Qwen2VLVisionBlock
{
    private readonly VisionNorm _norm1;   // norm1.weight/.bias [D]
    private readonly VisionAttention _attn;
    private readonly VisionNorm _norm2;   // norm2.weight/.bias [D]
    private readonly Linear _fc1;         // mlp.fc1 [Dm, D] + [Dm]
    private readonly Linear _fc2;         // mlp.fc2 [D, Dm] + [D]
    private readonly int _dim;

    /// <summary>Binds the block's tensors.</summary>
    public Qwen2VLVisionBlock(WeightScope s, Qwen2VLVisionConfig c)
    {
        _dim = c.EmbedDim;
        _norm1 = new VisionNorm(s, "norm1", c.EmbedDim, layerNorm: true);
        _attn = new VisionAttention(s, c.EmbedDim, c.NumHeads);
        _norm2 = new VisionNorm(s, "norm2", c.EmbedDim, layerNorm: true);
        _fc1 = new Linear(s, "mlp.fc1", c.MlpDim, c.EmbedDim, bias: true);
        _fc2 = new Linear(s, "mlp.fc2", c.EmbedDim, c.MlpDim, bias: true);
    }

    /// <summary>Runs the block in place on <paramref name="x"/> [n, D].</summary>
    public void Forward(IComputeBackend backend, Span<float> x, int n, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin,
        ReadOnlySpan<int> cuSeqlens, VisionScratch s)
    {
        _norm1.Apply(backend, x, n, _dim, s.Normed);
        _attn.Forward(backend, s.Normed, n, cos, sin, cuSeqlens, s.Qkv, s.Attn, s.Out);
        backend.Add(s.Out.AsSpan(0, n * _dim), x);
        _norm2.Apply(backend, x, n, _dim, s.Normed);
        _fc1.Forward(backend, s.Normed, n, s.Mlp);
        backend.QuickGelu(s.Mlp.AsSpan(0, n * _fc1.Out));
        _fc2.Forward(backend, s.Mlp, n, s.Out);
        backend.Add(s.Out.AsSpan(0, n * _dim), x);
    }
}
