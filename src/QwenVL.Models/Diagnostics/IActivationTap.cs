// A hook that sees named intermediate activations ("vision.blk.3.out", "text.blk.0.attn_out") so
// parity with a reference can be checked layer by layer. Null by default: the models only build
// the name and call it when a tap is attached, so the hot path pays one null check per layer.
namespace QwenVL.Models.Diagnostics;

/// <summary>Receives named activations, row-major <c>[rows, cols]</c>; the span is only valid during the call.</summary>
public interface IActivationTap
{
    /// <summary>Called once per named activation.</summary>
    void Tap(string name, ReadOnlySpan<float> data, int rows, int cols);
}
