// The Qwen2.5-VL vision tower: patch embedding, 2-D rotary positions, then the sequence is
// permuted by whole merge units into window order; blocks attend inside 112-px windows except the
// full-attention blocks, which see the whole image; the RMSNorm merger runs in window order and its
// output is put back in row-major merged order (argsort of the window index).
using QwenVL.Imaging;
using QwenVL.Models.Common;
using QwenVL.Models.Diagnostics;
using QwenVL.Models.Vision;
using QwenVL.Tensors;

namespace QwenVL.Models.Qwen25VL;

/// <summary>visual.* of a Qwen2.5-VL checkpoint.</summary>
public sealed class Qwen25VLVisionEncoder : IVisionEncoder
{
    private readonly Qwen25VLVisionConfig _c;
    private readonly IComputeBackend _backend;
    private readonly Linear _patchEmbed;            // patch_embed.proj.weight [D, C, T, P, P] viewed [D, C·T·P·P]
    private readonly Qwen25VLVisionBlock[] _blocks; // blocks.{i}
    private readonly PatchMerger _merger;           // merger.* (ln_q is RMSNorm)
    private readonly HashSet<int> _fullAttention;

    /// <summary>Binds the tower under <paramref name="s"/> ("visual." or "model.visual.").</summary>
    public Qwen25VLVisionEncoder(WeightScope s, Qwen25VLVisionConfig c, IComputeBackend backend)
    {
        _c = c;
        _backend = backend;
        _patchEmbed = new Linear(s.Matrix("patch_embed.proj.weight", c.HiddenSize, c.InChannels, c.TemporalPatchSize, c.PatchSize, c.PatchSize)
            .Reshape(c.HiddenSize, c.PatchDim));
        _blocks = [.. Enumerable.Range(0, c.Depth).Select(i => new Qwen25VLVisionBlock(s.Sub("blocks", i), c))];
        _merger = new PatchMerger(s.Sub("merger"), c.HiddenSize, c.MergeSize, c.OutDim, layerNorm: false);
        _fullAttention = [.. c.FullAttentionBlocks];
    }

    /// <inheritdoc/>
    public int OutDim => _merger.OutDim;

    /// <inheritdoc/>
    public int MergeSize => _c.MergeSize;

    /// <inheritdoc/>
    public IActivationTap? Tap { get; set; }

    /// <inheritdoc/>
    public float[] Encode(ProcessedImage image)
    {
        int n = image.PatchCount, d = _c.HiddenSize, headDim = d / _c.NumHeads, unit = _c.MergeSize * _c.MergeSize;
        VisionInput.Check(image, _c.PatchDim, _c.MergeSize);
        var embedded = new float[n * d];
        _patchEmbed.Forward(_backend, image.PixelValues, n, embedded);
        Tap?.Tap("vision.patch_embed", embedded, n, d);

        (int[] rows, int[] cols) = VisionRope.PatchCoordinates(image.GridT, image.GridH, image.GridW, _c.MergeSize);
        WindowPartition windows = WindowPartition.Compute(image.GridT, image.GridH, image.GridW, _c.MergeSize, _c.WindowUnits);

        // Permute whole merge units (4 consecutive patch rows) and their positions into window order.
        var x = new float[n * d];
        var prow = new int[n];
        var pcol = new int[n];
        for (int u = 0; u < windows.WindowIndex.Length; u++)
        {
            int src = windows.WindowIndex[u];
            embedded.AsSpan(src * unit * d, unit * d).CopyTo(x.AsSpan(u * unit * d));
            rows.AsSpan(src * unit, unit).CopyTo(prow.AsSpan(u * unit));
            cols.AsSpan(src * unit, unit).CopyTo(pcol.AsSpan(u * unit));
        }
        var cos = new float[n * headDim];
        var sin = new float[cos.Length];
        VisionRope.Fill(prow, pcol, headDim, 10000.0, cos, sin);

        int[] cuFull = [.. Enumerable.Range(0, image.GridT + 1).Select(k => k * image.GridH * image.GridW)];
        var scratch = new VisionScratch(n, d, _c.IntermediateSize);
        for (int i = 0; i < _blocks.Length; i++)
        {
            _blocks[i].Forward(_backend, x, n, cos, sin, _fullAttention.Contains(i) ? cuFull : windows.CuWindowSeqlens, scratch);
            Tap?.Tap($"vision.blk.{i}.out", x, n, d);
        }

        int units = n / unit;
        var merged = new float[units * OutDim];
        _merger.Forward(_backend, x, n, scratch.Qkv, merged);
        var output = new float[merged.Length];
        for (int u = 0; u < units; u++)
        {
            merged.AsSpan(u * OutDim, OutDim).CopyTo(output.AsSpan(windows.WindowIndex[u] * OutDim));
        }
        Tap?.Tap("vision.merger.out", output, units, OutDim);
        return output;
    }
}
