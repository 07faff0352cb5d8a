// Activation scratch for one vision-tower pass over n patches, allocated per image (vision runs
// once per image, not per token; a 1288×728 image is 4784 patches, ~25 MB at width 1280, and the
// 3420-wide MLP doubles that). The decode loop never touches it.
namespace QwenVL.Models.Vision;

/// <summary>Buffers for a vision pass: widths in floats per row.</summary>
public sealed class VisionScratch
{
    /// <summary>Allocates buffers for <paramref name="n"/> patches of width <paramref name="dim"/> and MLP width <paramref name="mlpDim"/>.</summary>
    public VisionScratch(int n, int dim, int mlpDim)
    {
        Normed = new float[n * dim];
        Qkv = new float[n * 3 * dim];
        Attn = new float[n * dim];
        Out = new float[n * dim];
        Mlp = new float[n * mlpDim];
        Mlp2 = new float[n * mlpDim];
    }

    /// <summary>[n, D] normalized input of a sub-block.</summary>
    public float[] Normed { get; }

    /// <summary>[n, 3D] fused q, k, v.</summary>
    public float[] Qkv { get; }

    /// <summary>[n, D] attention output before proj.</summary>
    public float[] Attn { get; }

    /// <summary>[n, D] sub-block output before the residual add.</summary>
    public float[] Out { get; }

    /// <summary>[n, mlp] first MLP activation.</summary>
    public float[] Mlp { get; }

    /// <summary>[n, mlp] second MLP activation (SwiGLU up branch).</summary>
    public float[] Mlp2 { get; }
}
