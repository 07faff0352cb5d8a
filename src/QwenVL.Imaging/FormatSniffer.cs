// Identifies the container from its magic bytes and reads the few header fields the decoder needs
// before (or instead of) asking Skia: PNG IHDR size/colour type, BMP compression and alpha mask.
// It deliberately validates nothing else; Skia does the real parsing.
using System.Buffers.Binary;

namespace QwenVL.Imaging;

internal enum ImageFormat
{
    Unknown,
    Png,
    Jpeg,
    Gif,
    Bmp,
    WebP,
}

internal static class FormatSniffer
{
    private static ReadOnlySpan<byte> PngMagic => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static ImageFormat Detect(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith(PngMagic))
        {
            return ImageFormat.Png;
        }
        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        {
            return ImageFormat.Jpeg;
        }
        if (b.StartsWith("GIF87a"u8) || b.StartsWith("GIF89a"u8))
        {
            return ImageFormat.Gif;
        }
        if (b.StartsWith("BM"u8))
        {
            return ImageFormat.Bmp;
        }
        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }
        return ImageFormat.Unknown;
    }

    /// <summary>Hex of the first bytes, for "not an image" messages.</summary>
    public static string Describe(ReadOnlySpan<byte> b) => Convert.ToHexString(b[..Math.Min(8, b.Length)]);

    /// <summary>Width and height from the IHDR chunk, which the PNG spec requires to come first.</summary>
    public static bool TryReadPngSize(ReadOnlySpan<byte> b, out int width, out int height)
    {
        width = height = 0;
        if (b.Length < 24 || !b.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return false;
        }
        // PNG sizes are unsigned 31-bit; a value with the top bit set reads as negative and is refused later.
        width = BinaryPrimitives.ReadInt32BigEndian(b.Slice(16, 4));
        height = BinaryPrimitives.ReadInt32BigEndian(b.Slice(20, 4));
        return true;
    }

    /// <summary>IHDR colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA), or -1.</summary>
    public static int PngColorType(ReadOnlySpan<byte> b) =>
        b.Length >= 26 && b.Slice(12, 4).SequenceEqual("IHDR"u8) ? b[25] : -1;

    /// <summary>IHDR bit depth (1, 2, 4, 8, 16), or -1.</summary>
    public static int PngBitDepth(ReadOnlySpan<byte> b) =>
        b.Length >= 25 && b.Slice(12, 4).SequenceEqual("IHDR"u8) ? b[24] : -1;

    /// <summary>
    /// True when PIL's BmpImagePlugin would open the file as RGBA: 32 bits per pixel with BITFIELDS (3)
    /// or ALPHABITFIELDS (6) compression and a non-zero alpha mask. Plain 32-bit BI_RGB opens as RGB
    /// ("BGRX": the fourth byte is ignored).
    /// </summary>
    public static bool BmpHasAlphaMask(ReadOnlySpan<byte> b)
    {
        if (b.Length < 54)
        {
            return false;
        }
        int headerSize = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(14, 4));
        int bpp = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(28, 2));
        int compression = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(30, 4));
        if (bpp != 32 || (compression != 3 && compression != 6))
        {
            return false;
        }
        // Alpha mask: inside the header for V3+ headers (>= 56 bytes), else after the three colour
        // masks that follow a 40-byte header (only with ALPHABITFIELDS).
        int alphaOffset = headerSize >= 56 ? 14 + 52 : compression == 6 ? 14 + headerSize + 12 : -1;
        return alphaOffset >= 0 && b.Length >= alphaOffset + 4
            && BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(alphaOffset, 4)) != 0;
    }
}
