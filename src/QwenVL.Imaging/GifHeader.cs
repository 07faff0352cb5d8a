// Reads, from a GIF's blocks up to its first image, the colour PIL shows for transparent pixels.
// PIL opens frame 0 as mode "P" and convert("RGB") maps the transparent index through the palette
// like any other index, while Skia zeroes those pixels; this lets the decoder restore PIL's colour.
// It deliberately decodes no LZW data and ignores every frame after the first.
namespace QwenVL.Imaging;

internal static class GifHeader
{
    /// <summary>The palette colour of frame 0's transparent index, if it declares one.</summary>
    public static bool TryReadTransparentColor(ReadOnlySpan<byte> b, out byte r, out byte g, out byte bl)
    {
        r = g = bl = 0;
        if (b.Length < 13)
        {
            return false;
        }
        int pos = 13;
        int globalOffset = -1, globalCount = 0;
        if ((b[10] & 0x80) != 0)
        {
            globalCount = 1 << ((b[10] & 7) + 1);
            globalOffset = pos;
            pos += 3 * globalCount;
        }
        int transparentIndex = -1;
        while (pos < b.Length)
        {
            byte marker = b[pos++];
            if (marker == 0x21 && pos < b.Length)
            {
                byte label = b[pos++];
                // Graphic Control Extension: size 4, packed flags (bit 0 = transparency), delay, index.
                if (label == 0xF9 && pos + 4 < b.Length && b[pos] == 4)
                {
                    transparentIndex = (b[pos + 1] & 1) != 0 ? b[pos + 4] : -1;
                }
                if (!SkipSubBlocks(b, ref pos))
                {
                    return false;
                }
            }
            else if (marker == 0x2C && pos + 9 <= b.Length)
            {
                byte packed = b[pos + 8];
                int offset = globalOffset, count = globalCount;
                if ((packed & 0x80) != 0)
                {
                    count = 1 << ((packed & 7) + 1);
                    offset = pos + 9;
                }
                if (transparentIndex < 0 || offset < 0 || transparentIndex >= count
                    || offset + 3 * transparentIndex + 2 >= b.Length)
                {
                    return false;
                }
                int p = offset + 3 * transparentIndex;
                (r, g, bl) = (b[p], b[p + 1], b[p + 2]);
                return true;
            }
            else
            {
                return false;
            }
        }
        return false;
    }

    private static bool SkipSubBlocks(ReadOnlySpan<byte> b, ref int pos)
    {
        while (pos < b.Length)
        {
            int size = b[pos++];
            if (size == 0)
            {
                return true;
            }
            pos += size;
        }
        return false;
    }
}
