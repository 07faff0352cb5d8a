// The benchmark's test image: a deterministic gradient-and-checker pattern of the requested size,
// encoded once as a PNG so the timed preprocessing stage decodes a real file (as a request does).
// The encoder is minimal on purpose (8-bit RGB, filter 0, zlib "fastest"); it is not a general PNG writer.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace QwenVL.Cli.Bench;

/// <summary>Makes the synthetic image the benchmark preprocesses.</summary>
public static class BenchImage
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>RGB bytes (row-major, 3 per pixel): red grows left to right, green top to bottom, blue a 32-px checker.</summary>
    public static byte[] Pixels(int width, int height)
    {
        var px = new byte[checked(width * height * 3)];
        for (int y = 0, i = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++, i += 3)
            {
                px[i] = (byte)(x * 255 / Math.Max(1, width - 1));
                px[i + 1] = (byte)(y * 255 / Math.Max(1, height - 1));
                px[i + 2] = (byte)((((x >> 5) + (y >> 5)) & 1) == 0 ? 40 : 215);
            }
        }
        return px;
    }

    /// <summary>The pattern of <see cref="Pixels"/> as PNG file bytes.</summary>
    public static byte[] Png(int width, int height)
    {
        byte[] px = Pixels(width, height);
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
        {
            int stride = width * 3;
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0); // filter type 0 (none) for every scanline
                z.Write(px, y * stride, stride);
            }
        }
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per channel
        header[9] = 2; // colour type RGB; compression, filter and interlace stay 0
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", idat.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        s.Write(word);
    }

    // CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) as PNG chunks require.
    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
