// Test helper: a minimal baseline JPEG encoder for one 8x8 block per component with DC only, which
// is enough to write a CMYK (Adobe) JPEG that Skia cannot produce. With all quantizers 1 and no AC
// terms, each decoded sample is exactly 128 + DC / 8, so the stored CMYK values are known exactly.
using System.Buffers.Binary;

namespace QwenVL.Imaging.Tests;

internal static class JpegBuilder
{
    /// <summary>An 8x8 Adobe CMYK JPEG whose decoded (inverted, as Adobe stores them) samples are <paramref name="stored"/>.</summary>
    public static byte[] AdobeCmyk8x8(byte[] stored)
    {
        var o = new List<byte> { 0xFF, 0xD8 };
        // APP14 "Adobe": version 100, flags 0, transform 0 (CMYK, no YCCK).
        Segment(o, 0xEE, [.. "Adobe"u8.ToArray(), 0, 100, 0, 0, 0, 0, 0]);
        Segment(o, 0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
        var sof = new List<byte> { 8, 0, 8, 0, 8, 4 };
        for (byte id = 1; id <= 4; id++)
        {
            sof.AddRange([id, 0x11, 0]);
        }
        Segment(o, 0xC0, [.. sof]);
        // DC table 0: categories 0..11 as 4-bit codes 0000..1011. AC table 0: EOB as the 1-bit code "0".
        var bits = new byte[16];
        bits[3] = 12;
        Segment(o, 0xC4, [0x00, .. bits, .. Enumerable.Range(0, 12).Select(i => (byte)i)]);
        var acBits = new byte[16];
        acBits[0] = 1;
        Segment(o, 0xC4, [0x10, .. acBits, 0]);
        Segment(o, 0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);
        var writer = new BitWriter();
        foreach (byte v in stored)
        {
            int diff = (v - 128) * 8; // previous DC is 0 for every component's first block
            int category = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
            writer.Write(category, 4);
            if (category > 0)
            {
                writer.Write(diff > 0 ? diff : diff - 1 + (1 << category), category);
            }
            writer.Write(0, 1); // EOB
        }
        o.AddRange(writer.Finish());
        o.AddRange([0xFF, 0xD9]);
        return [.. o];
    }

    private static void Segment(List<byte> o, byte marker, byte[] payload)
    {
        var len = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)(payload.Length + 2));
        o.AddRange([0xFF, marker, len[0], len[1], .. payload]);
    }

    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _acc;
        private int _count;

        public void Write(int value, int bits)
        {
            for (int i = bits - 1; i >= 0; i--)
            {
                _acc = (_acc << 1) | ((value >> i) & 1);
                if (++_count == 8)
                {
                    Flush();
                }
            }
        }

        public List<byte> Finish()
        {
            while (_count != 0)
            {
                Write(1, 1); // pad with 1-bits
            }
            return _bytes;
        }

        private void Flush()
        {
            _bytes.Add((byte)_acc);
            if (_acc == 0xFF)
            {
                _bytes.Add(0); // byte stuffing
            }
            _acc = 0;
            _count = 0;
        }
    }
}
