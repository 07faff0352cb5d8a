// Test helper: hand-written BMP and GIF files (Skia has no encoder for either) and Skia-encoded
// JPEG/WebP/PNG from raw pixels. Each builder writes the smallest valid file for its case.
using System.Buffers.Binary;
using SkiaSharp;

namespace QwenVL.Imaging.Tests;

internal static class ByteImages
{
    /// <summary>Encodes straight-alpha RGBA bytes with Skia (quality ignored for PNG).</summary>
    public static byte[] SkiaEncode(int width, int height, byte[] rgba, SKEncodedImageFormat format, int quality = 100)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        rgba.CopyTo(bitmap.GetPixelSpan());
        using SKPixmap pixmap = bitmap.PeekPixels() ?? throw new InvalidOperationException("no pixmap");
        using SKData? data = format == SKEncodedImageFormat.Webp && quality >= 100
            ? pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))
            : pixmap.Encode(format, quality);
        Assert.True(data != null, $"Skia cannot encode {format}");
        return data.ToArray();
    }

    /// <summary>Uncompressed bottom-up BMP: 24-bit BI_RGB, or 32-bit BI_RGB / BITFIELDS (BGRA masks).</summary>
    public static byte[] Bmp(int width, int height, byte[] rgba, int bitsPerPixel, bool bitfields = false)
    {
        int headerSize = bitfields ? 108 : 40; // BITMAPV4HEADER carries the alpha mask
        int bytesPerPixel = bitsPerPixel / 8;
        int stride = (width * bytesPerPixel + 3) & ~3;
        int offset = 14 + headerSize;
        var file = new byte[offset + stride * height];
        "BM"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(2), file.Length);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(10), offset);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(14), headerSize);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(22), height);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(26), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(28), (ushort)bitsPerPixel);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(30), bitfields ? 3 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(34), stride * height);
        if (bitfields)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(54), 0x00FF0000);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(58), 0x0000FF00);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(62), 0x000000FF);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(66), 0xFF000000);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(70), 0x73524742); // 'sRGB'
        }
        for (int y = 0; y < height; y++)
        {
            int row = offset + (height - 1 - y) * stride;
            for (int x = 0; x < width; x++)
            {
                int s = (y * width + x) * 4;
                int d = row + x * bytesPerPixel;
                file[d] = rgba[s + 2];
                file[d + 1] = rgba[s + 1];
                file[d + 2] = rgba[s];
                if (bytesPerPixel == 4)
                {
                    file[d + 3] = rgba[s + 3];
                }
            }
        }
        return file;
    }

    /// <summary>
    /// GIF89a with a 4-entry global palette and 2-bit pixel indices, one image, optional transparent index.
    /// The LZW stream sends a clear code after every two pixels, so codes stay 3 bits wide and the
    /// table never grows (a valid, if wasteful, encoding any decoder must accept).
    /// </summary>
    public static byte[] Gif(int width, int height, byte[] palette12, byte[] indices, int transparentIndex = -1)
    {
        var bytes = new List<byte>();
        bytes.AddRange("GIF89a"u8.ToArray());
        bytes.AddRange([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8)]);
        bytes.AddRange([0x81, 0, 0]); // global colour table, 2^(1+1) = 4 entries
        bytes.AddRange(palette12);
        if (transparentIndex >= 0)
        {
            bytes.AddRange([0x21, 0xF9, 4, 0x01, 0, 0, (byte)transparentIndex, 0]);
        }
        bytes.AddRange([0x2C, 0, 0, 0, 0, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0]);
        bytes.Add(2); // LZW minimum code size: clear = 4, end = 5, codes 3 bits
        var codes = new List<int>();
        for (int i = 0; i < indices.Length; i++)
        {
            if (i % 2 == 0)
            {
                codes.Add(4);
            }
            codes.Add(indices[i]);
        }
        codes.Add(5);
        var packed = new List<byte>();
        int acc = 0, bits = 0;
        foreach (int code in codes)
        {
            acc |= code << bits;
            bits += 3;
            while (bits >= 8)
            {
                packed.Add((byte)acc);
                acc >>= 8;
                bits -= 8;
            }
        }
        if (bits > 0)
        {
            packed.Add((byte)acc);
        }
        for (int i = 0; i < packed.Count; i += 255)
        {
            int n = Math.Min(255, packed.Count - i);
            bytes.Add((byte)n);
            bytes.AddRange(packed.GetRange(i, n));
        }
        bytes.Add(0);
        bytes.Add(0x3B);
        return [.. bytes];
    }
}
