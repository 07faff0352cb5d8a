// One Qwen2.5-VL ViT block: x += proj(attn(RMSNorm(x))); x += down(silu(gate(y))·up(y)), y = RMSNorm(x),
// where gate, up and down all carry biases (unlike the language model's MLP).
using QwenVL.Models.Common;
using QwenVL.Models.Vision;
using QwenVL.Tensors;

namespace QwenVL.Models.Qwen25VL;

/// <summary>visual.blocks.{i}.*</summary>
public sealed class Qwen25VLVisionBlock
{
    private readonly VisionNorm _norm1;   // norm1.weight [D]
    private readonly VisionAttention _attn;
    private readonly VisionNorm _norm2;   // norm2.weight [D]
    private readonly Linear _gate;        // mlp.gate_proj [I, D] + [I]
    private readonly Linear _up;          // mlp.up_proj [I, D] + [I]
    private readonly Linear _down;        // mlp.down_proj [D, I] + [D]
    private readonly int _dim;

    /// <summary>Binds the block's tensors.</summary>
    public Qwen25VLVisionBlock(WeightScope s, Qwen25VLVisionConfig c)
    {
        _dim = c.HiddenSize;
        _norm1 = new VisionNorm(s, "norm1", c.HiddenSize, layerNorm: false);
        _attn = new VisionAttention(s, c.HiddenSize, c.NumHeads);
        _norm2 = new VisionNorm(s, "norm2", c.HiddenSize, layerNorm: false);
        _gate = new Linear(s, "mlp.gate_proj", c.IntermediateSize, c.HiddenSize, bias: true);
        _up = new Linear(s, "mlp.up_proj", c.IntermediateSize, c.HiddenSize, bias: true);
        _down = new Linear(s, "mlp.down_proj", c.HiddenSize, c.IntermediateSize, bias: true);
    }

    /// <summary>Runs the block in place on <paramref name="x"/> [n, D], attending inside the segments of <paramref name="cuSeqlens"/>.</summary>
    public void Forward(IComputeBackend backend, Span<float> x, int n, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin,
        ReadOnlySpan<int> cuSeqlens, VisionScratch s)
    {
        _norm1.Apply(backend, x, n, _dim, s.Normed);
        _attn.Forward(backend, s.Normed, n, cos, sin, cuSeqlens, s.Qkv, s.Attn, s.Out);
        backend.Add(s.Out.AsSpan(0, n * _dim), x);
        _norm2.Apply(backend, x, n, _dim, s.Normed);
        _gate.Forward(backend, s.Normed, n, s.Mlp);
        _up.Forward(backend, s.Normed, n, s.Mlp2);
        int m = n * _gate.Out;
        backend.SwiGlu(s.Mlp.AsSpan(0, m), s.Mlp2.AsSpan(0, m), s.Mlp.AsSpan(0, m));
        _down.Forward(backend, s.Mlp, n, s.Out);
        backend.Add(s.Out.AsSpan(0, n * _dim), x);
    }
}
