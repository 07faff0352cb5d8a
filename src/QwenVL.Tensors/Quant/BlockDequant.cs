// Dequantizes runs of whole blocks to floats fast enough for the BF16 GEMM to pack quantized
// weights on the fly (prefill re-reads every weight once per call: a scalar loop cost ~0.5 ns a
// value, 1.5 s per 3B prefill). Every block format goes through one generic loop over 16-value
// steps: AVX-512 widening (16 values an instruction), or portable 128-bit vectors on AVX2 and ARM64
// (K-quants were scalar everywhere until 2026-11-27, more than half of a short Q4_K_M prompt's
// prefill). The scalar BlockFormats.Dequantize is the reference every form equals bit for bit.
// RunBf16 rounds the result to BF16 rows, the form the BF16 GEMM's fast panel transpose takes.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

/// <summary>Vectorized block dequantization.</summary>
internal static unsafe class BlockDequant
{
    /// <summary>Dequantizes the whole blocks holding <paramref name="values"/> values at <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public static void Run(byte* source, DType dtype, int values, float* destination)
    {
        int blocks = values / DTypeInfo.BlockSize(dtype);
        if (Avx512F.IsSupported)
        {
            Blocks<Widen512>(source, dtype, blocks, destination);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Blocks<Widen128>(source, dtype, blocks, destination);
        }
        else
        {
            int bytes = (int)DTypeInfo.ByteCount(dtype, values);
            BlockFormats.Dequantize(new ReadOnlySpan<byte>(source, bytes), dtype, new Span<float>(destination, values));
        }
    }

    /// <summary>Whole blocks through <typeparamref name="TWiden"/>'s 16-value steps (tests call it with each width).</summary>
    internal static void Blocks<TWiden>(byte* source, DType dtype, int blocks, float* destination)
        where TWiden : struct, IWiden16
    {
        int bytes = DTypeInfo.BlockBytes(dtype), values = DTypeInfo.BlockSize(dtype);
        for (int b = 0; b < blocks; b++, source += bytes, destination += values)
        {
            switch (dtype)
            {
                case DType.Q8_0:
                    float d8 = BlockFormats.HalfToFloat(*(ushort*)source);
                    TWiden.Signed(Vector128.Load((sbyte*)(source + 2)), d8, destination);
                    TWiden.Signed(Vector128.Load((sbyte*)(source + 18)), d8, destination + 16);
                    break;
                case DType.Q4_0:
                    // Byte j holds value j in its low nibble and value j + 16 in its high one: (q − 8)·d.
                    float d4 = BlockFormats.HalfToFloat(*(ushort*)source);
                    Vector128<byte> packed = Vector128.Load(source + 2);
                    TWiden.Centered(packed & Vector128.Create((byte)0x0F), 8, d4, destination);
                    TWiden.Centered(Vector128.ShiftRightLogical(packed, 4), 8, d4, destination + 16);
                    break;
                case DType.Q4_K: Q4_K<TWiden>(source, destination); break;
                case DType.Q6_K: Q6_K<TWiden>(source, destination); break;
                default: throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a block-quantized dtype");
            }
        }
    }

    /// <summary>
    /// One Q4_K block as BlockFormats.DequantizeQ4_K computes it: sub-block j's value is
    /// (d·sc_j)·q − dmin·m_j, a multiply and a subtract in float32 as there (no FMA), so the two agree
    /// bit for bit.
    /// </summary>
    private static void Q4_K<TWiden>(byte* block, float* y)
        where TWiden : struct, IWiden16
    {
        float d = BlockFormats.HalfToFloat(*(ushort*)block), dmin = BlockFormats.HalfToFloat(*(ushort*)(block + 2));
        var scales = new ReadOnlySpan<byte>(block + 4, 12);
        Vector128<byte> low4 = Vector128.Create((byte)0x0F);
        for (int chunk = 0; chunk < 4; chunk++, y += 64)
        {
            (int sc1, int m1) = BlockFormats.ScaleMinK4(scales, 2 * chunk);
            (int sc2, int m2) = BlockFormats.ScaleMinK4(scales, (2 * chunk) + 1);
            float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
            byte* q = block + 16 + (32 * chunk);
            for (int h = 0; h < 32; h += 16)
            {
                Vector128<byte> packed = Vector128.Load(q + h);
                TWiden.Affine(packed & low4, d1, min1, y + h);
                TWiden.Affine(Vector128.ShiftRightLogical(packed, 4), d2, min2, y + 32 + h);
            }
        }
    }

    /// <summary>
    /// One Q6_K block as BlockFormats.DequantizeQ6_K computes it: value (d·sc)·(q − 32), where q is a
    /// nibble of ql or'ed with 2 bits of qh at bits 4-5; bit for bit equal.
    /// </summary>
    private static void Q6_K<TWiden>(byte* block, float* y)
        where TWiden : struct, IWiden16
    {
        float d = BlockFormats.HalfToFloat(*(ushort*)(block + 208));
        Vector128<byte> low4 = Vector128.Create((byte)0x0F), three = Vector128.Create((byte)3);
        for (int half = 0; half < 2; half++, y += 128)
        {
            byte* ql = block + (64 * half), qh = block + 128 + (32 * half);
            sbyte* sc = (sbyte*)(block + 192 + (8 * half));
            for (int s = 0; s < 2; s++)
            {
                int l = 16 * s;
                Vector128<byte> a = Vector128.Load(ql + l), b = Vector128.Load(ql + l + 32), h = Vector128.Load(qh + l);
                TWiden.Centered((a & low4) | Vector128.ShiftLeft(h & three, 4), 32, d * sc[s], y + l);
                TWiden.Centered((b & low4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h, 2) & three, 4), 32, d * sc[s + 2], y + l + 32);
                TWiden.Centered(Vector128.ShiftRightLogical(a, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h, 4) & three, 4), 32, d * sc[s + 4], y + l + 64);
                TWiden.Centered(Vector128.ShiftRightLogical(b, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h, 6), 4), 32, d * sc[s + 6], y + l + 96);
            }
        }
    }

    /// <summary>16 bytes to 16 floats, three ways: y = scale·v − offset, y = scale·(v − bias) and y = scale·v for signed v.</summary>
    internal interface IWiden16
    {
        static abstract void Affine(Vector128<byte> v, float scale, float offset, float* y);

        static abstract void Centered(Vector128<byte> v, int bias, float scale, float* y);

        static abstract void Signed(Vector128<sbyte> v, float scale, float* y);
    }

    /// <summary>AVX-512: 16 values an instruction.</summary>
    internal readonly struct Widen512 : IWiden16
    {
        public static void Affine(Vector128<byte> v, float scale, float offset, float* y) =>
            ((Vector512.Create(scale) * Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(v))) - Vector512.Create(offset)).Store(y);

        public static void Centered(Vector128<byte> v, int bias, float scale, float* y) =>
            (Vector512.Create(scale) * Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(v) - Vector512.Create(bias))).Store(y);

        public static void Signed(Vector128<sbyte> v, float scale, float* y) =>
            (Vector512.Create(scale) * Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(v))).Store(y);
    }

    /// <summary>Portable 128-bit vectors (SSE2, NEON): 4 values an instruction after two widening steps.</summary>
    internal readonly struct Widen128 : IWiden16
    {
        public static void Affine(Vector128<byte> v, float scale, float offset, float* y)
        {
            Vector128<float> s = Vector128.Create(scale), o = Vector128.Create(offset);
            Vector128<ushort> lo = Vector128.WidenLower(v), hi = Vector128.WidenUpper(v);
            ((s * Vector128.ConvertToSingle(Vector128.WidenLower(lo).AsInt32())) - o).Store(y);
            ((s * Vector128.ConvertToSingle(Vector128.WidenUpper(lo).AsInt32())) - o).Store(y + 4);
            ((s * Vector128.ConvertToSingle(Vector128.WidenLower(hi).AsInt32())) - o).Store(y + 8);
            ((s * Vector128.ConvertToSingle(Vector128.WidenUpper(hi).AsInt32())) - o).Store(y + 12);
        }

        public static void Centered(Vector128<byte> v, int bias, float scale, float* y)
        {
            Vector128<float> s = Vector128.Create(scale);
            Vector128<int> c = Vector128.Create(bias);
            Vector128<ushort> lo = Vector128.WidenLower(v), hi = Vector128.WidenUpper(v);
            (s * Vector128.ConvertToSingle(Vector128.WidenLower(lo).AsInt32() - c)).Store(y);
            (s * Vector128.ConvertToSingle(Vector128.WidenUpper(lo).AsInt32() - c)).Store(y + 4);
            (s * Vector128.ConvertToSingle(Vector128.WidenLower(hi).AsInt32() - c)).Store(y + 8);
            (s * Vector128.ConvertToSingle(Vector128.WidenUpper(hi).AsInt32() - c)).Store(y + 12);
        }

        public static void Signed(Vector128<sbyte> v, float scale, float* y)
        {
            Vector128<float> s = Vector128.Create(scale);
            Vector128<short> lo = Vector128.WidenLower(v), hi = Vector128.WidenUpper(v);
            (s * Vector128.ConvertToSingle(Vector128.WidenLower(lo))).Store(y);
            (s * Vector128.ConvertToSingle(Vector128.WidenUpper(lo))).Store(y + 4);
            (s * Vector128.ConvertToSingle(Vector128.WidenLower(hi))).Store(y + 8);
            (s * Vector128.ConvertToSingle(Vector128.WidenUpper(hi))).Store(y + 12);
        }
    }

    /// <summary>
    /// Dequantizes like <see cref="Run"/>, then rounds to BF16 (round to nearest even, as
    /// <see cref="Numerics.FloatToBF16"/>) into <paramref name="destination"/>, so the BF16 GEMM can pack
    /// the panel with its fast transpose. <paramref name="scratch"/> holds <paramref name="values"/> floats.
    /// </summary>
    public static void RunBf16(byte* source, DType dtype, int values, ushort* destination, float* scratch)
    {
        Run(source, dtype, values, scratch);
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i + 32 <= values; i += 32)
            {
                Vector512.Narrow(Gemm.Bf16Packing.RoundToBF16(Vector512.Load(scratch + i)), Gemm.Bf16Packing.RoundToBF16(Vector512.Load(scratch + i + 16)))
                    .Store(destination + i);
            }
        }
        for (; i < values; i++)
        {
            destination[i] = Numerics.FloatToBF16(scratch[i]);
        }
    }
}
