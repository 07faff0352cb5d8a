// The vision-tower input for one image: pixel_values rows plus the patch grid (image_grid_thw).
// It deliberately keeps the original and resized sizes so callers can map boxes back; no tensors.
namespace QwenVL.Imaging;

/// <summary>
/// <c>PixelValues</c> is row-major <c>[GridT*GridH*GridW, PatchDim]</c>; rows are ordered
/// (t, h/m, w/m, m, m) so each merge window's m*m patches are contiguous (spec §1.5).
/// </summary>
public sealed record ProcessedImage(float[] PixelValues, int GridT, int GridH, int GridW,
    int OriginalWidth, int OriginalHeight, int ResizedWidth, int ResizedHeight)
{
    /// <summary>Number of patches (rows of <see cref="PixelValues"/>), before merging.</summary>
    public int PatchCount => GridT * GridH * GridW;

    /// <summary>Row length: 3 * temporal_patch_size * patch_size² (1176 for patch 14).</summary>
    public int PatchDim { get; } = RowLength(PixelValues, GridT * GridH * GridW);

    /// <summary>LLM tokens this image becomes: patches / merge².</summary>
    public int TokenCount(int mergeSize) => PatchCount / (mergeSize * mergeSize);

    private static int RowLength(float[] values, int patches)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (patches <= 0 || values.Length % patches != 0)
        {
            throw new ArgumentException(
                $"pixel_values length {values.Length} is not a whole number of rows for {patches} patches", nameof(values));
        }
        return values.Length / patches;
    }
}
