// The coordinate frame of one answer: the original image size, and the size the model saw after
// smart_resize. Maps model coordinates (0-1000 relative, or resized pixels) to original pixels and
// clamps them into [0, W] x [0, H]. It deliberately never guesses a resized size from the answer.
using QwenVL.Imaging;

namespace QwenVL.Grounding;

/// <summary>Original and resized sizes of the image an answer refers to.</summary>
public sealed record ImageFrame(int Width, int Height, int ResizedWidth, int ResizedHeight)
{
    /// <summary>
    /// The frame for an image of <paramref name="width"/> x <paramref name="height"/> pixels as <paramref name="family"/>
    /// sees it: smart_resize with the family's factor and the given pixel budget (default: the hub values, spec §1.2).
    /// Throws <see cref="ImageException"/> for sizes smart_resize refuses (non-positive, aspect ratio over 200).
    /// </summary>
    public static ImageFrame FromSmartResize(ModelFamily family, int width, int height, long? minPixels = null, long? maxPixels = null)
    {
        (int h, int w) = SmartResize.Compute(height, width, family.ResizeFactor(),
            minPixels ?? family.DefaultMinPixels(), maxPixels ?? family.DefaultMaxPixels());
        return new ImageFrame(width, height, w, h);
    }

    /// <summary>Original x of a model x in <paramref name="space"/>, clamped to [0, Width].</summary>
    public double MapX(double x, CoordinateSpace space) => Clamp(space switch
    {
        CoordinateSpace.Relative1000 => x / 1000.0 * Width,
        CoordinateSpace.ResizedPixels => x / ResizedWidth * Width,
        _ => x,
    }, Width);

    /// <summary>Original y of a model y in <paramref name="space"/>, clamped to [0, Height].</summary>
    public double MapY(double y, CoordinateSpace space) => Clamp(space switch
    {
        CoordinateSpace.Relative1000 => y / 1000.0 * Height,
        CoordinateSpace.ResizedPixels => y / ResizedHeight * Height,
        _ => y,
    }, Height);

    /// <summary>The model coordinate of an original x (the inverse of <see cref="MapX"/>, rounded half-to-even as Qwen's converters do).</summary>
    public double ToModelX(double x, CoordinateSpace space) => space switch
    {
        CoordinateSpace.Relative1000 => Math.Round(x / Width * 1000.0),
        CoordinateSpace.ResizedPixels => Math.Round(x * ResizedWidth / Width),
        _ => x,
    };

    /// <summary>The model coordinate of an original y.</summary>
    public double ToModelY(double y, CoordinateSpace space) => space switch
    {
        CoordinateSpace.Relative1000 => Math.Round(y / Height * 1000.0),
        CoordinateSpace.ResizedPixels => Math.Round(y * ResizedHeight / Height),
        _ => y,
    };

    private static double Clamp(double v, int max) => double.IsNaN(v) ? 0 : Math.Clamp(v, 0, max);
}

/// <summary>How a number in an answer is to be read.</summary>
public enum CoordinateSpace
{
    /// <summary>0-1000 of the image side (Qwen2-VL tokens, Qwen3-VL JSON).</summary>
    Relative1000,

    /// <summary>Pixels of the smart-resized image (Qwen2.5-VL JSON).</summary>
    ResizedPixels,

    /// <summary>Already original pixels.</summary>
    OriginalPixels,
}
