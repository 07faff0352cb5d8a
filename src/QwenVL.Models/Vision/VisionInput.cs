// Checks that a preprocessed image fits the tower it is given to, so a preprocessor/model mismatch
// (e.g. Qwen3-VL's 16-px patches fed to a 14-px tower) fails with a message, not garbage.
using QwenVL.Imaging;

namespace QwenVL.Models.Vision;

/// <summary>Validation of vision-tower inputs.</summary>
public static class VisionInput
{
    /// <summary>Throws ArgumentException when the image's patch layout does not match the tower.</summary>
    public static void Check(ProcessedImage image, int patchDim, int merge)
    {
        if (image.PatchDim != patchDim)
        {
            throw new ArgumentException($"image patches have {image.PatchDim} values but the vision tower expects {patchDim} (patch/temporal size mismatch between preprocessor_config.json and config.json)");
        }
        if (image.GridH % merge != 0 || image.GridW % merge != 0 || image.PatchCount == 0)
        {
            throw new ArgumentException($"image grid {image.GridT}x{image.GridH}x{image.GridW} is not a non-empty multiple of the merge size {merge}");
        }
        if (image.PixelValues.Length != (long)image.PatchCount * patchDim)
        {
            throw new ArgumentException($"pixel values hold {image.PixelValues.Length} floats, expected {image.PatchCount}x{patchDim}");
        }
    }
}
