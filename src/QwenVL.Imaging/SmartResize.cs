// smart_resize from qwen-vl-utils / Qwen2VLImageProcessor: the target size, both sides multiples
// of `factor`, keeping the aspect ratio and landing the pixel count inside [minPixels, maxPixels].
// It deliberately does no resampling; see PillowResize for that.
namespace QwenVL.Imaging;

/// <summary>The Qwen2-VL target-size rule (spec §1.2), bit-for-bit with the Python reference.</summary>
public static class SmartResize
{
    /// <summary>Aspect ratios (long side / short side) above this are refused, as in the reference.</summary>
    public const double MaxAspectRatio = 200.0;

    /// <summary>
    /// Returns the resized (height, width). Follows qwen-vl-utils, not HF: no "side smaller than factor"
    /// error; instead every side is clamped to at least <paramref name="factor"/>. HF and qwen-vl-utils
    /// leave the max-pixels (downscale) branch unclamped, where a 1:199 strip under a tiny budget would
    /// floor to a 0-pixel side; we apply the same max(factor, ·) clamp there too (a size of 0 can never be
    /// right, and for every input the reference accepts with non-zero output the result is unchanged).
    /// </summary>
    public static (int Height, int Width) Compute(int height, int width, int factor, long minPixels, long maxPixels)
    {
        string source = $"smart_resize({height}x{width})";
        if (height <= 0 || width <= 0)
        {
            throw new ImageException(source, $"image sides must be positive, got height {height}, width {width}");
        }
        if (factor <= 0)
        {
            throw new ImageException(source, $"factor must be positive, got {factor}");
        }
        if (minPixels < 0 || maxPixels <= 0)
        {
            throw new ImageException(source, $"pixel bounds must be positive, got min {minPixels}, max {maxPixels}");
        }
        double aspect = (double)Math.Max(height, width) / Math.Min(height, width);
        if (aspect > MaxAspectRatio)
        {
            throw new ImageException(source,
                $"absolute aspect ratio must be smaller than {MaxAspectRatio}, got {aspect:0.###} ({width}x{height} WxH)");
        }

        // Python's round() is half-to-even on the exact double, which is Math.Round's default.
        long hBar = Math.Max(factor, (long)Math.Round((double)height / factor) * factor);
        long wBar = Math.Max(factor, (long)Math.Round((double)width / factor) * factor);
        long area = (long)height * width;
        if (hBar * wBar > maxPixels)
        {
            // Python's int/int true division is correctly rounded; both operands are exact doubles
            // here (< 2^53), so the IEEE division gives the same value.
            double beta = Math.Sqrt((double)area / maxPixels);
            hBar = Math.Max(factor, (long)Math.Floor(height / beta / factor) * factor);
            wBar = Math.Max(factor, (long)Math.Floor(width / beta / factor) * factor);
        }
        else if (hBar * wBar < minPixels)
        {
            double beta = Math.Sqrt((double)minPixels / area);
            hBar = (long)Math.Ceiling(height * beta / factor) * factor;
            wBar = (long)Math.Ceiling(width * beta / factor) * factor;
        }
        if (hBar > int.MaxValue || wBar > int.MaxValue)
        {
            throw new ImageException(source, $"resized size {hBar}x{wBar} does not fit in 32-bit sides");
        }
        return ((int)hBar, (int)wBar);
    }
}
