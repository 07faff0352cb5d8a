// The Qwen2-VL vision tower: patch embedding (the Conv3d kernel viewed as a [D, C·T·P·P] matrix),
// 2-D rotary positions, full attention over each image, then the LayerNorm patch merger. Images
// are encoded one at a time, which equals the reference's packed batch because attention never
// crosses images and every other op is per row.
using QwenVL.Imaging;
using QwenVL.Models.Common;
using QwenVL.Models.Diagnostics;
using QwenVL.Models.Vision;
using QwenVL.Tensors;

namespace QwenVL.Models.Qwen2VL;

/// <summary>visual.* of a Qwen2-VL checkpoint.</summary>
public sealed class Qwen2VLVisionEncoder : IVisionEncoder
{
    private readonly Qwen2VLVisionConfig _c;
    private readonly IComputeBackend _backend;
    private readonly Linear _patchEmbed;           // patch_embed.proj.weight [D, C, T, P, P] viewed [D, C·T·P·P]
    private readonly Qwen2VLVisionBlock[] _blocks; // blocks.{i}
    private readonly PatchMerger _merger;          // merger.*

    /// <summary>Binds the tower under <paramref name="s"/> ("visual." or "model.visual.").</summary>
    public Qwen2VLVisionEncoder(WeightScope s, Qwen2VLVisionConfig c, IComputeBackend backend)
    {
        _c = c;
        _backend = backend;
        _patchEmbed = new Linear(s.Matrix("patch_embed.proj.weight", c.EmbedDim, c.InChannels, c.TemporalPatchSize, c.PatchSize, c.PatchSize)
            .Reshape(c.EmbedDim, c.PatchDim));
        _blocks = [.. Enumerable.Range(0, c.Depth).Select(i => new Qwen2VLVisionBlock(s.Sub("blocks", i), c))];
        _merger = new PatchMerger(s.Sub("merger"), c.EmbedDim, c.MergeSize, c.OutDim, layerNorm: true);
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
        int n = image.PatchCount, d = _c.EmbedDim;
        VisionInput.Check(image, _c.PatchDim, _c.MergeSize);
        var x = new float[n * d];
        _patchEmbed.Forward(_backend, image.PixelValues, n, x);
        Tap?.Tap("vision.patch_embed", x, n, d);

        (int[] rows, int[] cols) = VisionRope.PatchCoordinates(image.GridT, image.GridH, image.GridW, _c.MergeSize);
        var cos = new float[n * (d / _c.NumHeads)];
        var sin = new float[cos.Length];
        VisionRope.Fill(rows, cols, d / _c.NumHeads, 10000.0, cos, sin);

        // One attention segment per temporal slice (cu_seqlens); a still image has one.
        int[] cuSeqlens = [.. Enumerable.Range(0, image.GridT + 1).Select(k => k * image.GridH * image.GridW)];
        var scratch = new VisionScratch(n, d, _c.MlpDim);
        for (int i = 0; i < _blocks.Length; i++)
        {
            _blocks[i].Forward(_backend, x, n, cos, sin, cuSeqlens, scratch);
            Tap?.Tap($"vision.blk.{i}.out", x, n, d);
        }
        var output = new float[n / (_c.MergeSize * _c.MergeSize) * OutDim];
        _merger.Forward(_backend, x, n, scratch.Qkv, output);
        Tap?.Tap("vision.merger.out", output, n / (_c.MergeSize * _c.MergeSize), OutDim);
        return output;
    }
}
