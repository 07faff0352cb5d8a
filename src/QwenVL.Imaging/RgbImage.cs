// An 8-bit RGB image in row-major HWC order (3 bytes per pixel, no padding, no alpha).
// It deliberately holds no colour-space or EXIF metadata: the reference pipeline ignores both.
namespace QwenVL.Imaging;

/// <summary>Packed 8-bit RGB pixels, row-major, <c>Pixels[(y * Width + x) * 3 + c]</c>.</summary>
public sealed class RgbImage
{
    /// <summary>Wraps (does not copy) a pixel buffer of exactly <c>width * height * 3</c> bytes.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        }
        long expected = (long)width * height * 3;
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"pixel buffer holds {pixels.LongLength} bytes but {width}x{height} RGB needs {expected}", nameof(pixels));
        }
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>HWC RGB bytes.</summary>
    public byte[] Pixels { get; }
}
