// The narrow seam between a generation's vision tower and the rest: one preprocessed image in,
// its merged embeddings out ([tokens, LM hidden], row-major over the merged grid). How the tower
// orders, windows or normalizes patches stays inside the generation's folder.
using QwenVL.Imaging;
using QwenVL.Models.Diagnostics;

namespace QwenVL.Models.Vision;

/// <summary>A vision tower with its projector.</summary>
public interface IVisionEncoder
{
    /// <summary>Width of each output embedding (the language model's hidden size).</summary>
    int OutDim { get; }

    /// <summary>Spatial merge size (2: four patches per language-model token).</summary>
    int MergeSize { get; }

    /// <summary>Optional activation tap ("vision.patch_embed", "vision.blk.{i}.out", "vision.merger.out").</summary>
    IActivationTap? Tap { get; set; }

    /// <summary>Encodes one image: returns <c>[image.TokenCount(MergeSize), OutDim]</c>.</summary>
    float[] Encode(ProcessedImage image);
}
