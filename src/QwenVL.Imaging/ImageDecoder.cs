// Image bytes -> RgbImage, matching what PIL + qwen-vl-utils `to_rgb` hand to the HF processor.
// Decoding is SkiaSharp's SKCodec into unpremultiplied 8-bit RGBA with NO colour-space conversion
// (no destination colour space, so embedded ICC/gAMA are ignored, as PIL ignores them) and NO EXIF
// rotation (PIL and qwen-vl-utils do not apply EXIF orientation unless asked; neither do we).
// Size limits are checked from the header before any pixel is decoded (decompression-bomb guard).
using SkiaSharp;

namespace QwenVL.Imaging;

/// <summary>Decodes PNG, JPEG, WebP, BMP and GIF (first frame) into RGB.</summary>
/// <remarks>
/// Known differences from PIL, all on rare inputs: a 16-bit grayscale PNG gives the high byte of each
/// sample (PIL's "I;16" to RGB conversion clips the 16-bit value at 255, turning almost every pixel
/// white); JPEG pixels are libjpeg-turbo's as built into Skia, which can differ from Pillow's build by
/// a level where IDCT/upsampling implementations differ; Adobe CMYK JPEGs match PIL's inverted-CMYK
/// formula, but one with an embedded CMYK ICC profile is untested (Skia might apply the profile).
/// </remarks>
public static class ImageDecoder
{
    /// <summary>Default pixel limit: 100 megapixels.</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>Decodes <paramref name="bytes"/>; <paramref name="sourceName"/> is used in error messages.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> bytes, string sourceName, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (maxPixels <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPixels), maxPixels, "pixel limit must be positive");
        }
        if (bytes.Length == 0)
        {
            throw new ImageException(sourceName, "image data is empty (0 bytes)");
        }
        ImageFormat format = FormatSniffer.Detect(bytes);
        if (format == ImageFormat.Unknown)
        {
            throw new ImageException(sourceName,
                $"unsupported or corrupt image: the first bytes ({FormatSniffer.Describe(bytes)}) are not PNG, JPEG, WebP, BMP or GIF");
        }
        if (format == ImageFormat.Png && FormatSniffer.TryReadPngSize(bytes, out int pngW, out int pngH))
        {
            // Checked from IHDR before Skia sees the data, so a forged header never reaches a decoder.
            CheckSize(sourceName, pngW, pngH, maxPixels);
        }

        using SKData data = SKData.CreateCopy(bytes);
        using SKCodec? codec = SKCodec.Create(data);
        if (codec == null)
        {
            throw new ImageException(sourceName, $"corrupt or truncated {format} data: the header cannot be parsed");
        }
        SKImageInfo info = codec.Info;
        CheckSize(sourceName, info.Width, info.Height, maxPixels);

        byte[] rgba = DecodeRgba(codec, sourceName, format);
        bool composite = AlphaPolicy.PilOpensAsRgba(format, bytes, info.AlphaType);
        return composite
            ? AlphaPolicy.CompositeOnWhite(rgba, info.Width, info.Height)
            : AlphaPolicy.DropAlpha(rgba, info.Width, info.Height, AlphaPolicy.TransparentColor(format, bytes));
    }

    /// <summary>Reads and decodes a file; I/O failures become <see cref="ImageException"/> naming the path.</summary>
    public static RgbImage DecodeFile(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ImageException(path, "cannot read image file: " + e.Message, e);
        }
        return Decode(bytes, path, maxPixels);
    }

    private static void CheckSize(string source, int width, int height, long maxPixels)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ImageException(source, $"image has zero or invalid size ({width}x{height})");
        }
        long pixels = (long)width * height;
        if (pixels > maxPixels)
        {
            throw new ImageException(source,
                $"image is {width}x{height} = {pixels} pixels, more than the limit of {maxPixels} (decompression-bomb guard)");
        }
        double aspect = (double)Math.Max(width, height) / Math.Min(width, height);
        if (aspect > SmartResize.MaxAspectRatio)
        {
            throw new ImageException(source,
                $"image is {width}x{height}: aspect ratio {aspect:0.###} exceeds the limit of {SmartResize.MaxAspectRatio}");
        }
    }

    private static unsafe byte[] DecodeRgba(SKCodec codec, string source, ImageFormat format)
    {
        SKImageInfo src = codec.Info;
        // No colour space on the destination: Skia then copies the stored values untransformed.
        var dst = new SKImageInfo(src.Width, src.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[(long)src.Width * src.Height * 4];
        // Frame 0 only (GIF/WebP animations); zero-initialized so pixels a first frame leaves
        // uncovered are transparent black rather than stale memory.
        var options = new SKCodecOptions(SKZeroInitialized.Yes) { FrameIndex = 0 };
        SKCodecResult result;
        fixed (byte* p = rgba)
        {
            result = codec.GetPixels(dst, (IntPtr)p, dst.RowBytes, options);
        }
        return result switch
        {
            SKCodecResult.Success => rgba,
            SKCodecResult.IncompleteInput => throw new ImageException(source,
                $"truncated {format} data: the decoder ran out of bytes before the last row of {src.Width}x{src.Height}"),
            SKCodecResult.ErrorInInput or SKCodecResult.InvalidInput => throw new ImageException(source,
                $"corrupt {format} data: the decoder reported {result}"),
            _ => throw new ImageException(source,
                $"cannot decode this {format} variant ({src.ColorType}, {src.AlphaType}) to RGB: decoder reported {result}"),
        };
    }
}
