// x86 kernels of the quantized dot products (AVX2 and AVX-VNNI, 256-bit): one vector is one block
// of 32, reduced to eight int32 lanes, converted once and scaled by d_w·d_x. Integer sums are exact
// (agree with ScalarQuantDot bit for bit); only the float accumulation order differs. No 512-bit
// kernel here: .NET 10 exposes no 512-bit VNNI (only the K-quant decode pairs have generated 512-bit
// code, Jit/KQuantZmmCode.cs). The 4-weight-row decode kernels are in QuantDotX86.Decode.cs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

// vpdpbusd and vpmaddubsw multiply unsigned by signed bytes, so one side is made unsigned:
//   Q4_0, both ISAs: the raw nibbles 0..15 times x; the −8 bias enters as −8·Σx (precomputed per
//     activation block by ActivationQuantizer) seeded into the integer accumulator: exact.
//   Q8_0, AVX-VNNI: w + 128 (one xor) times x, seeded with −128·Σx: 3 vector-port ops a block.
//   Q8_0, AVX2: |w| times sign(w)·x (ggml's trick): w + 128 would saturate vpmaddubsw's int16 pairs
//     (255·127·2 > 32767), |w| ≤ 128 cannot (≤ 32512).
// Blocks go in groups of 8: the 8 f16 weight scales are gathered and widened in one vector and
// multiplied by the 8 activation scales (a scalar f16 conversion per block cost ~13 instructions,
// more than the block's arithmetic). Single-row kernels keep four float accumulators.

/// <summary>The ISA-specific byte products.</summary>
internal unsafe interface IByteDot
{
    /// <summary>Raw u8·s8 dot into int32 lanes added to <paramref name="acc"/> (|u·s| pairs must fit int16 on AVX2).</summary>
    static abstract Vector256<int> Dot(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s);

    /// <summary>The per-weight-block half of a Q8_0 product, shared by every activation row.</summary>
    static abstract Vector256<byte> PrepareQ8(Vector256<sbyte> w);

    /// <summary><see cref="PrepareQ8(Vector256{sbyte})"/> with the 0x80 byte vector passed in, so a loop keeps it in a register.</summary>
    static abstract Vector256<byte> PrepareQ8(Vector256<sbyte> w, Vector256<byte> bias);

    /// <summary>Σ w·x of a Q8_0 block as int32 lanes, from <see cref="PrepareQ8"/>'s result, w, x and x's −128·Σx offset.</summary>
    static abstract Vector256<int> DotQ8(Vector256<byte> prepared, Vector256<sbyte> w, Vector256<sbyte> x, int* offset);

    /// <summary>acc + the Q8_0 products of <paramref name="w"/> and <paramref name="x"/> per int32 lane, less the offset the kernel seeds.</summary>
    static abstract Vector256<int> AddQ8(Vector256<int> acc, Vector256<byte> prepared, Vector256<sbyte> w, Vector256<sbyte> x);

    /// <summary>True when <see cref="AddQ8"/> needs the −128·Σx offset seeded into the accumulator.</summary>
    static abstract bool Q8UsesOffset { get; }

    /// <summary>
    /// True when <see cref="Dot"/> adds each group of 4 u·s products straight into 32 bits (no int16
    /// step), so u may be any byte: a Q4_0 high nibble can stay in place (16× its value) unshifted.
    /// </summary>
    static abstract bool WideProducts { get; }

    /// <summary>
    /// True when the K-quant decode kernels take pairs of groups through the generated 512-bit vpdpbusd
    /// code (Jit/KQuantZmmCode.cs); only <see cref="Vnni512ByteDot"/>, chosen where that code is mapped.
    /// </summary>
    static virtual bool ZmmKQuants => false;
}

/// <summary>AVX2: vpmaddubsw (pairs to int16) then vpmaddwd by ones (pairs to int32); Q8_0 by the sign trick.</summary>
internal readonly unsafe struct Avx2ByteDot : IByteDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s) =>
        Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256.Create((short)1)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> PrepareQ8(Vector256<sbyte> w) => Avx2.Abs(w);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> PrepareQ8(Vector256<sbyte> w, Vector256<byte> bias) => Avx2.Abs(w);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotQ8(Vector256<byte> prepared, Vector256<sbyte> w, Vector256<sbyte> x, int* offset) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(prepared, Avx2.Sign(x, w)), Vector256.Create((short)1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> AddQ8(Vector256<int> acc, Vector256<byte> prepared, Vector256<sbyte> w, Vector256<sbyte> x) =>
        Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(prepared, Avx2.Sign(x, w)), Vector256.Create((short)1)));

    public static bool Q8UsesOffset => false;

    public static bool WideProducts => false;
}

/// <summary>AVX-VNNI: one 256-bit vpdpbusd; Q8_0 by biasing w to unsigned.</summary>
internal readonly unsafe struct VnniByteDot : IByteDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.MultiplyWideningAndAdd(acc, u, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> PrepareQ8(Vector256<sbyte> w) => (w.AsByte() ^ Vector256.Create((byte)0x80));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> PrepareQ8(Vector256<sbyte> w, Vector256<byte> bias) => w.AsByte() ^ bias;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotQ8(Vector256<byte> prepared, Vector256<sbyte> w, Vector256<sbyte> x, int* offset) =>
        // Σ(w + 128)·x − 128·Σx.
        AvxVnni.MultiplyWideningAndAdd(Vector256.CreateScalar(*offset), prepared, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> AddQ8(Vector256<int> acc, Vector256<byte> prepared, Vector256<sbyte> w, Vector256<sbyte> x) =>
        AvxVnni.MultiplyWideningAndAdd(acc, prepared, x);

    public static bool Q8UsesOffset => true;

    public static bool WideProducts => true;
}

/// <summary>
/// <see cref="VnniByteDot"/> everywhere, plus the generated 512-bit vpdpbusd code for pairs of
/// K-quant groups in decode (<see cref="IByteDot.ZmmKQuants"/>); used only where that code is mapped.
/// </summary>
internal readonly unsafe struct Vnni512ByteDot : IByteDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s) => VnniByteDot.Dot(acc, u, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> PrepareQ8(Vector256<sbyte> w) => VnniByteDot.PrepareQ8(w);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> PrepareQ8(Vector256<sbyte> w, Vector256<byte> bias) => VnniByteDot.PrepareQ8(w, bias);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotQ8(Vector256<byte> prepared, Vector256<sbyte> w, Vector256<sbyte> x, int* offset) =>
        VnniByteDot.DotQ8(prepared, w, x, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> AddQ8(Vector256<int> acc, Vector256<byte> prepared, Vector256<sbyte> w, Vector256<sbyte> x) =>
        VnniByteDot.AddQ8(acc, prepared, w, x);

    public static bool Q8UsesOffset => VnniByteDot.Q8UsesOffset;

    public static bool WideProducts => VnniByteDot.WideProducts;

    public static bool ZmmKQuants => true;
}

/// <summary>The 256-bit kernels over a byte-dot implementation.</summary>
internal readonly unsafe partial struct X86QuantDot<TDot> : IQuantDot
    where TDot : struct, IByteDot
{
    private const int Q8 = BlockFormats.Q8_0Bytes;
    private const int Q4 = BlockFormats.Q4_0Bytes;

    public static float Q8_0(byte* w, int blocks, sbyte* q, float* d, int* o)
    {
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
        Vector256<float> acc2 = Vector256<float>.Zero, acc3 = Vector256<float>.Zero;
        float* s = stackalloc float[8];
        int b = 0;
        for (; b + 8 <= blocks; b += 8, w += 8 * Q8, q += 256, o += 8)
        {
            Prefetch(w, 8 * Q8);
            (WeightScales(w, Q8) * Vector256.Load(d + b)).Store(s);
            // Constant block offsets fold into the addressing of every load; four accumulators so
            // the 4-cycle FMA latency is not the limit (two capped a core at ~2 cycles a block).
            acc0 = Accumulate(BlockQ8(w, q, o), s, acc0);
            acc1 = Accumulate(BlockQ8(w + Q8, q + 32, o + 1), s + 1, acc1);
            acc2 = Accumulate(BlockQ8(w + (2 * Q8), q + 64, o + 2), s + 2, acc2);
            acc3 = Accumulate(BlockQ8(w + (3 * Q8), q + 96, o + 3), s + 3, acc3);
            acc0 = Accumulate(BlockQ8(w + (4 * Q8), q + 128, o + 4), s + 4, acc0);
            acc1 = Accumulate(BlockQ8(w + (5 * Q8), q + 160, o + 5), s + 5, acc1);
            acc2 = Accumulate(BlockQ8(w + (6 * Q8), q + 192, o + 6), s + 6, acc2);
            acc3 = Accumulate(BlockQ8(w + (7 * Q8), q + 224, o + 7), s + 7, acc3);
        }
        for (; b < blocks; b++, w += Q8, q += 32, o++)
        {
            *s = BlockFormats.HalfToFloat(*(ushort*)w) * d[b];
            acc0 = Accumulate(BlockQ8(w, q, o), s, acc0);
        }
        return Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
    }

    public static void Q8_0x4(byte* w, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results)
    {
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
        Vector256<float> acc2 = Vector256<float>.Zero, acc3 = Vector256<float>.Zero;
        nint q1 = qStride, q2 = 2 * q1, q3 = 3 * q1;
        nint o1 = dStride, o2 = 2 * o1, o3 = 3 * o1;
        float* s = stackalloc float[32];
        for (int g = 0; g < blocks; g += 8, d += 8)
        {
            int count = Math.Min(8, blocks - g);
            RowScales(w, Q8, count, d, dStride, s);
            for (int u = 0; u < count; u++, w += Q8, q += 32, o++)
            {
                Vector256<sbyte> wv = Avx.LoadVector256((sbyte*)(w + 2));
                Vector256<byte> p = TDot.PrepareQ8(wv);
                acc0 = Accumulate(TDot.DotQ8(p, wv, Avx.LoadVector256(q), o), s + u, acc0);
                acc1 = Accumulate(TDot.DotQ8(p, wv, Avx.LoadVector256(q + q1), o + o1), s + 8 + u, acc1);
                acc2 = Accumulate(TDot.DotQ8(p, wv, Avx.LoadVector256(q + q2), o + o2), s + 16 + u, acc2);
                acc3 = Accumulate(TDot.DotQ8(p, wv, Avx.LoadVector256(q + q3), o + o3), s + 24 + u, acc3);
            }
        }
        Store4(results, acc0, acc1, acc2, acc3);
    }

    public static float Q4_0(byte* w, int blocks, sbyte* q, float* d, int* o)
    {
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
        Vector256<float> acc2 = Vector256<float>.Zero, acc3 = Vector256<float>.Zero;
        float* s = stackalloc float[8];
        int b = 0;
        for (; b + 8 <= blocks; b += 8, w += 8 * Q4, q += 256, o += 8)
        {
            Prefetch(w, 8 * Q4);
            (WeightScales(w, Q4) * Vector256.Load(d + b)).Store(s);
            acc0 = Accumulate(BlockQ4(w, q, o), s, acc0);
            acc1 = Accumulate(BlockQ4(w + Q4, q + 32, o + 1), s + 1, acc1);
            acc2 = Accumulate(BlockQ4(w + (2 * Q4), q + 64, o + 2), s + 2, acc2);
            acc3 = Accumulate(BlockQ4(w + (3 * Q4), q + 96, o + 3), s + 3, acc3);
            acc0 = Accumulate(BlockQ4(w + (4 * Q4), q + 128, o + 4), s + 4, acc0);
            acc1 = Accumulate(BlockQ4(w + (5 * Q4), q + 160, o + 5), s + 5, acc1);
            acc2 = Accumulate(BlockQ4(w + (6 * Q4), q + 192, o + 6), s + 6, acc2);
            acc3 = Accumulate(BlockQ4(w + (7 * Q4), q + 224, o + 7), s + 7, acc3);
        }
        for (; b < blocks; b++, w += Q4, q += 32, o++)
        {
            *s = BlockFormats.HalfToFloat(*(ushort*)w) * d[b];
            acc0 = Accumulate(BlockQ4(w, q, o), s, acc0);
        }
        return Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
    }

    public static void Q4_0x4(byte* w, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results)
    {
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
        Vector256<float> acc2 = Vector256<float>.Zero, acc3 = Vector256<float>.Zero;
        nint q1 = qStride, q2 = 2 * q1, q3 = 3 * q1;
        nint o1 = dStride, o2 = 2 * o1, o3 = 3 * o1;
        float* s = stackalloc float[32];
        for (int g = 0; g < blocks; g += 8, d += 8)
        {
            int count = Math.Min(8, blocks - g);
            RowScales(w, Q4, count, d, dStride, s);
            for (int u = 0; u < count; u++, w += Q4, q += 32, o++)
            {
                Vector256<byte> wv = Nibbles(w);
                acc0 = Accumulate(TDot.Dot(Offset(o), wv, Avx.LoadVector256(q)), s + u, acc0);
                acc1 = Accumulate(TDot.Dot(Offset(o + o1), wv, Avx.LoadVector256(q + q1)), s + 8 + u, acc1);
                acc2 = Accumulate(TDot.Dot(Offset(o + o2), wv, Avx.LoadVector256(q + q2)), s + 16 + u, acc2);
                acc3 = Accumulate(TDot.Dot(Offset(o + o3), wv, Avx.LoadVector256(q + q3)), s + 24 + u, acc3);
            }
        }
        Store4(results, acc0, acc1, acc2, acc3);
    }

    /// <summary>
    /// The f16 scales of 8 consecutive blocks (stride <paramref name="blockBytes"/>) as floats: one
    /// gather of the 32-bit words starting at each block, then f16 → f32 by moving sign, exponent
    /// and mantissa into place and multiplying by 2¹¹² (exact for normals and subnormals alike;
    /// an inf/NaN scale, meaningless in a weight, comes out as a large finite value). Subnormal
    /// scales cost a microcode assist; they are rare in Q4_0/Q8_0 (InterleavedDotX86.F16Scales).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> WeightScales(byte* blocks, int blockBytes)
    {
        Vector256<int> index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * blockBytes;
        Vector256<int> h = Avx2.GatherVector256((int*)blocks, index, 1);
        Vector256<int> bits = Vector256.ShiftLeft(h & Vector256.Create(0x7FFF), 13) | Vector256.ShiftLeft(h & Vector256.Create(0x8000), 16);
        return bits.AsSingle() * Vector256.Create(5.192297e33f); // 2^112
    }

    /// <summary>Combined scales d_w·d_x for <paramref name="count"/> (≤ 8) blocks and 4 activation rows into s[8r + u].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowScales(byte* w, int blockBytes, int count, float* d, int dStride, float* s)
    {
        if (count == 8)
        {
            Vector256<float> ws = WeightScales(w, blockBytes);
            (ws * Vector256.Load(d)).Store(s);
            (ws * Vector256.Load(d + dStride)).Store(s + 8);
            (ws * Vector256.Load(d + (2 * dStride))).Store(s + 16);
            (ws * Vector256.Load(d + (3 * dStride))).Store(s + 24);
            return;
        }
        for (int u = 0; u < count; u++)
        {
            float dw = BlockFormats.HalfToFloat(*(ushort*)(w + (u * blockBytes)));
            for (int r = 0; r < 4; r++)
            {
                s[(8 * r) + u] = dw * d[(r * dStride) + u];
            }
        }
    }

    /// <summary>
    /// Asks for the weight bytes 1 KiB ahead of the 8 blocks in hand (4-5 groups ahead): decode is
    /// a single stream per thread, and the hardware prefetcher alone left a core at ~55% of the
    /// read bandwidth a plain loop gets. Reading a little past a row's end is harmless (no fault).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* w, int groupBytes)
    {
        // One prefetch per cache line of the group (272 bytes for Q8_0, 144 for Q4_0).
        for (int line = 0; line < groupBytes; line += 64)
        {
            Sse.Prefetch0(w + 1024 + line);
        }
    }

    /// <summary>Σ w·x of one Q8_0 block, as eight int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockQ8(byte* block, sbyte* x, int* offset)
    {
        Vector256<sbyte> wv = Avx.LoadVector256((sbyte*)(block + 2));
        return TDot.DotQ8(TDot.PrepareQ8(wv), wv, Avx.LoadVector256(x), offset);
    }

    /// <summary>Σ (w − 8)·x of one Q4_0 block as eight int32 lanes: raw nibbles times x, seeded with −8·Σx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockQ4(byte* block, sbyte* x, int* offset) =>
        TDot.Dot(Offset(offset), Nibbles(block), Avx.LoadVector256(x));

    /// <summary>
    /// The 32 nibbles of a Q4_0 block as bytes 0..15 in value order: the 16 packed bytes loaded into
    /// both 128-bit lanes, the upper lane's dwords shifted down 4 bits (values 16-31) by one variable
    /// shift (a shift and a blend before: one vector op fewer per block and row), then masked (the
    /// bits a dword shift pulls in from the next byte land in the masked-off high nibble).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Nibbles(byte* block)
    {
        Vector256<uint> packed = Avx2.BroadcastVector128ToVector256(block + 2).AsUInt32();
        Vector256<uint> shifted = Avx2.ShiftRightLogicalVariable(packed, Vector256.Create(0u, 0u, 0u, 0u, 4u, 4u, 4u, 4u));
        return shifted.AsByte() & Vector256.Create((byte)0x0F);
    }

    /// <summary>The block's −bias·Σx (precomputed by ActivationQuantizer) in lane 0 of an integer accumulator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Offset(int* offset) => Vector256.CreateScalar(*offset);

    /// <summary>acc + float(sums)·*scale (the scale broadcast straight from memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(Vector256<int> sums, float* scale, Vector256<float> acc)
    {
        Vector256<float> f = Avx.ConvertToVector256Single(sums);
        return Fma.IsSupported ? Fma.MultiplyAdd(f, Vector256.Create(*scale), acc) : Avx.Add(Avx.Multiply(f, Vector256.Create(*scale)), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* results, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
    {
        results[0] = Vector256.Sum(a0);
        results[1] = Vector256.Sum(a1);
        results[2] = Vector256.Sum(a2);
        results[3] = Vector256.Sum(a3);
    }
}
