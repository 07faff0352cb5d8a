// Test helper: writes PNG files byte by byte (any colour type and bit depth, optional tRNS/extra
// chunks, forged headers), so decoder tests control exactly what is stored. Not a general encoder:
// no interlacing, filter type 0 on every row.
using System.Buffers.Binary;
using System.IO.Compression;

namespace QwenVL.Imaging.Tests;

internal static class PngBuilder
{
    /// <summary>A PNG whose raw scanlines (without filter bytes) are <paramref name="rows"/>.</summary>
    public static byte[] Build(int width, int height, int bitDepth, int colorType, byte[][] rows,
        byte[]? palette = null, byte[]? trns = null, (string Type, byte[] Data)[]? ancillary = null)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = (byte)colorType;
        WriteChunk(ms, "IHDR", ihdr);
        foreach ((string type, byte[] data) in ancillary ?? [])
        {
            WriteChunk(ms, type, data);
        }
        if (palette != null)
        {
            WriteChunk(ms, "PLTE", palette);
        }
        if (trns != null)
        {
            WriteChunk(ms, "tRNS", trns);
        }
        using (var raw = new MemoryStream())
        {
            foreach (byte[] row in rows)
            {
                raw.WriteByte(0);
                raw.Write(row);
            }
            using var z = new MemoryStream();
            using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true))
            {
                zs.Write(raw.ToArray());
            }
            WriteChunk(ms, "IDAT", z.ToArray());
        }
        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    /// <summary>8-bit RGB PNG from HWC bytes.</summary>
    public static byte[] Rgb8(int width, int height, byte[] hwc) => Build(width, height, 8, 2, SplitRows(hwc, width * 3, height));

    /// <summary>8-bit RGBA PNG from HWC bytes (straight alpha).</summary>
    public static byte[] Rgba8(int width, int height, byte[] hwc) => Build(width, height, 8, 6, SplitRows(hwc, width * 4, height));

    public static byte[][] SplitRows(byte[] data, int rowBytes, int height) =>
        Enumerable.Range(0, height).Select(y => data.AsSpan(y * rowBytes, rowBytes).ToArray()).ToArray();

    public static void WriteChunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        s.Write(typeAndData);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        s.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
