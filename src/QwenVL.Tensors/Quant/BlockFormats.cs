// The four GGUF block formats as ggml lays them out (ggml-common.h), and their dequantization to
// float32 with ggml's formulas (dequantize_row_* in ggml-quants.c), so a GGUF tensor can be read
// in place. Quantization (float -> block) lives in BlockQuantizer; only whole blocks are handled.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors.Quant;

// Byte layouts (little-endian):
//   Q8_0 (34 B / 32):  f16 d | int8 q[32]                 x[j] = d·q[j]
//   Q4_0 (18 B / 32):  f16 d | u8 qs[16]                  x[j] = d·((qs[j] & 15) − 8),  x[j+16] = d·((qs[j] >> 4) − 8)
//   Q4_K (144 B / 256): f16 d | f16 dmin | u8 scales[12] | u8 qs[128]
//       8 sub-blocks of 32 with 6-bit scale sc and min m packed in scales (see ScaleMinK4);
//       64-value chunk c uses qs[32c..32c+32): low nibbles are sub-block 2c, high nibbles 2c+1;
//       x = (d·sc)·q − (dmin·m)
//   Q6_K (210 B / 256): u8 ql[128] | u8 qh[64] | int8 scales[16] | f16 d
//       per 128-value half h: ql += 64h, qh += 32h, scales += 8h; for l < 32 the 6-bit values
//       (ql[l] & 15 | (qh[l] & 3) << 4), (ql[l+32] & 15 | (qh[l] >> 2 & 3) << 4), (ql[l] >> 4 | (qh[l] >> 4 & 3) << 4),
//       (ql[l+32] >> 4 | (qh[l] >> 6) << 4), each minus 32, go to l, l+32, l+64, l+96 with scale
//       scales[l/16 + 0, 2, 4, 6]; x = (d·scale)·q

/// <summary>Dequantization of ggml block formats and the f16 scale conversions they use.</summary>
public static class BlockFormats
{
    /// <summary>Bytes of one Q8_0 block.</summary>
    public const int Q8_0Bytes = 34;

    /// <summary>Bytes of one Q4_0 block.</summary>
    public const int Q4_0Bytes = 18;

    /// <summary>Values per Q8_0 / Q4_0 block.</summary>
    public const int BlockValues = 32;

    /// <summary>Values per K-quant super-block.</summary>
    public const int SuperBlockValues = 256;

    /// <summary>
    /// Exact f16 → f32 for every finite half (normals by exponent rebias, subnormals by an exact
    /// multiply); ±inf and NaN map to ±inf / NaN. Matches <c>(float)(Half)</c>; a hand-written
    /// version because the scale of every block goes through it on the matmul hot path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToFloat(ushort bits)
    {
        uint sign = (uint)(bits & 0x8000) << 16;
        uint magnitude = (uint)bits & 0x7FFF;
        if (magnitude >= 0x7C00)
        {
            return BitConverter.UInt32BitsToSingle(sign | 0x7F80_0000u | ((magnitude & 0x3FF) << 13));
        }
        if (magnitude < 0x400)
        {
            // Subnormal (or zero): m·2⁻²⁴, exact in float32.
            float sub = magnitude * 5.9604645e-8f;
            return BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(sub) | sign);
        }
        // Normal: same mantissa, exponent moved from bias 15 to bias 127 (112 << 23).
        return BitConverter.UInt32BitsToSingle(sign | ((magnitude << 13) + (112u << 23)));
    }

    /// <summary>
    /// The f16 in the low 16 bits of each lane (upper bits ignored) as float32, exact for every
    /// finite half; inf/NaN, meaningless as a weight scale, come out large and finite. No float32
    /// subnormal is ever an operand: moving a subnormal half's bits into float position and
    /// multiplying by 2¹¹² (the shorter trick) costs an Intel core a microcode assist per
    /// multiply, and Q6_K's d is a subnormal half whenever a super-block's largest weight is under
    /// about 0.25. Built from normal floats only: with W = the bits moved into place and the
    /// exponent rebiased by 112 (exact for normal halves) and V = (the same rebiased by 113) − 2⁻¹⁴
    /// (exact for subnormal halves and zero), the value is min(W, V): a normal half has W ≥ 2⁻¹⁴, so
    /// V = 2W − 2⁻¹⁴ ≥ W; a subnormal half m·2⁻²⁴ has W = 2⁻¹⁵ + m·2⁻²⁵ &gt; V since m &lt; 1024.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToFloat(Vector256<int> bits)
    {
        Vector256<int> w = Vector256.ShiftLeft(bits & Vector256.Create(0x7FFF), 13) + Vector256.Create(112 << 23);
        Vector256<float> v = (w + Vector256.Create(1 << 23)).AsSingle() - Vector256.Create(6.1035156e-05f); // 2^-14
        return Vector256.MinNative(w.AsSingle(), v) | Vector256.ShiftLeft(bits & Vector256.Create(0x8000), 16).AsSingle();
    }

    /// <summary><see cref="HalfToFloat(Vector256{int})"/> on 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> HalfToFloat(Vector512<int> bits)
    {
        Vector512<int> w = Vector512.ShiftLeft(bits & Vector512.Create(0x7FFF), 13) + Vector512.Create(112 << 23);
        Vector512<float> v = (w + Vector512.Create(1 << 23)).AsSingle() - Vector512.Create(6.1035156e-05f); // 2^-14
        return Vector512.MinNative(w.AsSingle(), v) | Vector512.ShiftLeft(bits & Vector512.Create(0x8000), 16).AsSingle();
    }

    /// <summary>f32 → f16 bits with IEEE round-to-nearest-even (ggml's GGML_FP32_TO_FP16).</summary>
    public static ushort FloatToHalf(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>Reads the f16 at <paramref name="offset"/> of <paramref name="bytes"/> as float.</summary>
    internal static float ReadHalf(ReadOnlySpan<byte> bytes, int offset) =>
        HalfToFloat(BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]));

    /// <summary>Number of values <paramref name="bytes"/> of <paramref name="dtype"/> blocks hold; throws on a partial block.</summary>
    public static int ValueCount(DType dtype, int bytes)
    {
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        if (bytes % blockBytes != 0)
        {
            throw new ArgumentException($"{bytes} bytes is not a whole number of {blockBytes}-byte {dtype} blocks", nameof(bytes));
        }
        return bytes / blockBytes * DTypeInfo.BlockSize(dtype);
    }

    /// <summary>
    /// Dequantizes whole blocks of <paramref name="dtype"/> from <paramref name="source"/> into the
    /// start of <paramref name="destination"/> (ggml's dequantize_row_*).
    /// </summary>
    public static void Dequantize(ReadOnlySpan<byte> source, DType dtype, Span<float> destination)
    {
        int count = ValueCount(dtype, source.Length);
        if (destination.Length < count)
        {
            throw new ArgumentException($"{count} {dtype} values do not fit a destination of {destination.Length}", nameof(destination));
        }
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        int blockValues = DTypeInfo.BlockSize(dtype);
        for (int b = 0, offset = 0; offset < source.Length; b++, offset += blockBytes)
        {
            ReadOnlySpan<byte> block = source.Slice(offset, blockBytes);
            Span<float> y = destination.Slice(b * blockValues, blockValues);
            switch (dtype)
            {
                case DType.Q8_0: DequantizeQ8_0(block, y); break;
                case DType.Q4_0: DequantizeQ4_0(block, y); break;
                case DType.Q4_K: DequantizeQ4_K(block, y); break;
                case DType.Q6_K: DequantizeQ6_K(block, y); break;
                default: throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a block-quantized dtype");
            }
        }
    }

    private static void DequantizeQ8_0(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = ReadHalf(block, 0);
        for (int j = 0; j < 32; j++)
        {
            y[j] = (sbyte)block[2 + j] * d;
        }
    }

    private static void DequantizeQ4_0(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = ReadHalf(block, 0);
        for (int j = 0; j < 16; j++)
        {
            int packed = block[2 + j];
            y[j] = ((packed & 0x0F) - 8) * d;
            y[j + 16] = ((packed >> 4) - 8) * d;
        }
    }

    /// <summary>
    /// Scale and min of sub-block <paramref name="j"/> (0..7) of a Q4_K block: 6 bits each. Sub-blocks
    /// 0-3 keep theirs in the low 6 bits of bytes j and j+4; 4-7 split them: low 4 bits in byte j+4
    /// (scale low nibble, min high nibble) and the top 2 bits in the spare high bits of bytes j−4 / j.
    /// </summary>
    public static (int Scale, int Min) ScaleMinK4(ReadOnlySpan<byte> scales, int j)
    {
        if (j < 4)
        {
            return (scales[j] & 63, scales[j + 4] & 63);
        }
        return ((scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4), (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
    }

    private static void DequantizeQ4_K(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = ReadHalf(block, 0);
        float dmin = ReadHalf(block, 2);
        ReadOnlySpan<byte> scales = block.Slice(4, 12);
        ReadOnlySpan<byte> qs = block.Slice(16, 128);
        for (int chunk = 0; chunk < 4; chunk++)
        {
            (int sc1, int m1) = ScaleMinK4(scales, 2 * chunk);
            (int sc2, int m2) = ScaleMinK4(scales, (2 * chunk) + 1);
            float d1 = d * sc1, min1 = dmin * m1;
            float d2 = d * sc2, min2 = dmin * m2;
            ReadOnlySpan<byte> q = qs.Slice(32 * chunk, 32);
            Span<float> out1 = y.Slice(64 * chunk, 32);
            Span<float> out2 = y.Slice((64 * chunk) + 32, 32);
            for (int l = 0; l < 32; l++)
            {
                out1[l] = (d1 * (q[l] & 0x0F)) - min1;
                out2[l] = (d2 * (q[l] >> 4)) - min2;
            }
        }
    }

    private static void DequantizeQ6_K(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = ReadHalf(block, 208);
        for (int half = 0; half < 2; half++)
        {
            ReadOnlySpan<byte> ql = block.Slice(64 * half, 64);
            ReadOnlySpan<byte> qh = block.Slice(128 + (32 * half), 32);
            ReadOnlySpan<byte> sc = block.Slice(192 + (8 * half), 8);
            Span<float> outHalf = y.Slice(128 * half, 128);
            for (int l = 0; l < 32; l++)
            {
                int s = l / 16;
                int q1 = ((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) << 4)) - 32;
                outHalf[l] = d * (sbyte)sc[s] * q1;
                outHalf[l + 32] = d * (sbyte)sc[s + 2] * q2;
                outHalf[l + 64] = d * (sbyte)sc[s + 4] * q3;
                outHalf[l + 96] = d * (sbyte)sc[s + 6] * q4;
            }
        }
    }
}
