// What qwen-vl-utils `to_rgb` does with transparency: only a PIL image whose mode is "RGBA" is pasted
// onto white through its alpha (Pillow's integer BLEND); every other mode goes through convert("RGB"),
// which simply drops alpha ("LA", "P" with tRNS, RGB with tRNS, GIF transparency keep their stored colour).
// It deliberately reproduces that split, not a "composite everything" rule.
using SkiaSharp;

namespace QwenVL.Imaging;

internal static class AlphaPolicy
{
    /// <summary>Whether PIL would open these bytes in mode "RGBA".</summary>
    public static bool PilOpensAsRgba(ImageFormat format, ReadOnlySpan<byte> bytes, SKAlphaType decodedAlpha) => format switch
    {
        // PngImagePlugin: colour type 6 is "RGBA" (8- and 16-bit); 4 is "LA", 3 is "P", 0/2 are L/RGB.
        ImageFormat.Png => FormatSniffer.PngColorType(bytes) == 6,
        // WebPImagePlugin: "RGBA" exactly when the file carries alpha.
        ImageFormat.WebP => decodedAlpha != SKAlphaType.Opaque,
        ImageFormat.Bmp => FormatSniffer.BmpHasAlphaMask(bytes),
        // GIF's first frame is "P" (or "L"); JPEG has no alpha.
        _ => false,
    };

    /// <summary>
    /// Pillow paste with an "L" mask onto white: out = DIV255(255 * (255 - a) + src * a), where
    /// DIV255(x) = ((x + 128) + ((x + 128) >> 8)) >> 8 is Pillow's exact round(x / 255) for x <= 65025.
    /// </summary>
    public static RgbImage CompositeOnWhite(byte[] rgba, int width, int height)
    {
        var rgb = new byte[(long)width * height * 3];
        for (long i = 0, j = 0; j < rgb.LongLength; i += 4, j += 3)
        {
            int a = rgba[i + 3];
            int background = 255 * (255 - a);
            for (int c = 0; c < 3; c++)
            {
                int t = background + rgba[i + c] * a + 128;
                rgb[j + c] = (byte)(((t >> 8) + t) >> 8);
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /// <summary>
    /// PIL convert("RGB") of a mode with alpha: the colour bytes, unchanged. Where the decoder zeroed a
    /// fully transparent pixel that PIL keeps as an index (GIF), <paramref name="transparentColor"/> restores it.
    /// </summary>
    public static RgbImage DropAlpha(byte[] rgba, int width, int height, (byte R, byte G, byte B)? transparentColor = null)
    {
        var rgb = new byte[(long)width * height * 3];
        for (long i = 0, j = 0; j < rgb.LongLength; i += 4, j += 3)
        {
            if (transparentColor is { } t && rgba[i + 3] == 0)
            {
                (rgb[j], rgb[j + 1], rgb[j + 2]) = (t.R, t.G, t.B);
                continue;
            }
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
        return new RgbImage(width, height, rgb);
    }

    /// <summary>For GIF: the colour PIL gives transparent pixels (the palette entry of the transparent index).</summary>
    public static (byte R, byte G, byte B)? TransparentColor(ImageFormat format, ReadOnlySpan<byte> bytes) =>
        format == ImageFormat.Gif && GifHeader.TryReadTransparentColor(bytes, out byte r, out byte g, out byte b)
            ? (r, g, b)
            : null;
}
