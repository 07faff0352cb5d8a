// Q4_K and Q6_K decode for pairs of 8-row groups in 512-bit vectors (lanes 0-7: a pair's first group's
// rows, 8-15: its second's), taken by Vnni512ByteDot only: the integer sums of up to 4 pairs come from
// one call of generated vpdpbusd zmm code (Jit/KQuantZmmCode.cs), the scales and mins are applied here
// with the 256-bit kernels' float steps in the same order per lane, so every result equals theirs bit
// for bit. An odd last group stays on the 256-bit kernels.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using QwenVL.Tensors.Jit;

namespace QwenVL.Tensors.Quant;

/// <summary>One x-row: the row count of the one-row kernels when they run a pair through the 512-bit code.</summary>
internal readonly struct OneRow : IRowCount
{
    public static int Count => 1;
}

internal readonly unsafe partial struct X86InterleavedDot<TDot>
{
    /// <summary>
    /// One super-block (at <paramref name="offset"/>) of the first 2·<paramref name="pairs"/> groups against
    /// TRows x-rows (x-row i at x + i·k, its block scales at d + i·k/32 and sub-block sums at xs + i·k/16):
    /// acc += d·Σ sc·dx·S − dmin·Σ m·xs into results + 64i + 8s for group s. <paramref name="at"/> takes
    /// the groups' super-block pointers; <paramref name="sums"/> holds 8·TRows·pairs vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Q4KZmm<TRows>(byte** groups, int pairs, nint offset, byte** at, sbyte* x, int k, Vector512<int>* sums,
        float* d, float* xs, float* results)
        where TRows : struct, IRowCount
    {
        for (int s = 0; s < 2 * pairs; s++)
        {
            at[s] = groups[s] + offset;
        }
        KQuantZmm.Q4K(TRows.Count, pairs)(at, x, k, (int*)sums);
        for (int p = 0; p < pairs; p++)
        {
            ApplyQ4KPair<TRows>(at[2 * p], at[(2 * p) + 1], k, sums + (8 * TRows.Count * p), d, xs, results + (16 * p));
        }
    }

    /// <summary>
    /// The pair g0, g1's sums (8 per x-row) applied: acc += d·Σ sc·dx·S − dmin·Σ m·xs into the pair's
    /// 16 results of x-row i at results + 64i.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ApplyQ4KPair<TRows>(byte* g0, byte* g1, int k, Vector512<int>* sums, float* d, float* xs, float* results)
        where TRows : struct, IRowCount
    {
        // The lines of the pair's next super-block the generated code left (KQuantZmmCode.Q4KPrefetchedLines):
        // issued here, memory keeps reading while the scales are applied.
        for (int line = KQuantZmmCode.Q4KPrefetchedLines; line < Q4K / 64; line++)
        {
            Sse.Prefetch0(g0 + Q4K + (64 * line));
            Sse.Prefetch0(g1 + Q4K + (64 * line));
        }
        const float highScale = 1f / 16; // the high nibbles were dotted in place (16× their value)
        // As ApplyQ4KRows, for both groups: scales j = sc_j, mins j = m_j (BlockFormats.ScaleMinK4).
        Vector512<uint> a = Pair(g0 + 32, g1 + 32), b = Pair(g0 + 64, g1 + 64), c = Pair(g0 + 96, g1 + 96);
        Vector512<uint> six = Vector512.Create(0x3F3F3F3Fu), four = Vector512.Create(0x0F0F0F0Fu), top = Vector512.Create(0x30303030u);
        Vector512<uint> scLo = a & six, scHi = (c & four) | (Vector512.ShiftRightLogical(a, 2) & top);
        Vector512<uint> mLo = b & six, mHi = (Vector512.ShiftRightLogical(c, 4) & four) | (Vector512.ShiftRightLogical(b, 2) & top);
        Vector512<float> sc0 = Byte(scLo, 0), sc1 = Byte(scLo, 1), sc2 = Byte(scLo, 2), sc3 = Byte(scLo, 3);
        Vector512<float> sc4 = Byte(scHi, 0), sc5 = Byte(scHi, 1), sc6 = Byte(scHi, 2), sc7 = Byte(scHi, 3);
        Vector512<float> m0 = Byte(mLo, 0), m1 = Byte(mLo, 1), m2 = Byte(mLo, 2), m3 = Byte(mLo, 3);
        Vector512<float> m4 = Byte(mHi, 0), m5 = Byte(mHi, 1), m6 = Byte(mHi, 2), m7 = Byte(mHi, 3);
        // Each group's 8 d and 8 dmin are 16 adjacent halves: one 16-lane conversion per group,
        // then the pair's d in one vector and its dmin in another.
        Vector512<float> both0 = BlockFormats.HalfToFloat(Avx512F.ConvertToVector512Int32(Vector256.Load((short*)g0)));
        Vector512<float> both1 = BlockFormats.HalfToFloat(Avx512F.ConvertToVector512Int32(Vector256.Load((short*)g1)));
        Vector512<float> dw = Avx512F.Shuffle4x128(both0, both1, 0x44), dmin = Avx512F.Shuffle4x128(both0, both1, 0xEE);
        for (int i = 0; i < TRows.Count; i++)
        {
            float* dx = d + (i * (k / 32)), xsum = xs + (i * (k / 16));
            Vector512<int>* row = sums + (8 * i);
            Vector512<float> even = Avx512F.ConvertToVector512Single(row[0]) * (sc0 * Vector512.Create(dx[0]));
            Vector512<float> odd = Avx512F.ConvertToVector512Single(row[1]) * (sc1 * Vector512.Create(dx[1] * highScale));
            even = Scaled(row[2], sc2, dx[2], even);
            odd = Scaled(row[3], sc3, dx[3] * highScale, odd);
            even = Scaled(row[4], sc4, dx[4], even);
            odd = Scaled(row[5], sc5, dx[5] * highScale, odd);
            even = Scaled(row[6], sc6, dx[6], even);
            odd = Scaled(row[7], sc7, dx[7] * highScale, odd);
            Vector512<float> minsEven = m0 * Vector512.Create(xsum[0]), minsOdd = m1 * Vector512.Create(xsum[1]);
            minsEven = Avx512F.FusedMultiplyAdd(m2, Vector512.Create(xsum[2]), minsEven);
            minsOdd = Avx512F.FusedMultiplyAdd(m3, Vector512.Create(xsum[3]), minsOdd);
            minsEven = Avx512F.FusedMultiplyAdd(m4, Vector512.Create(xsum[4]), minsEven);
            minsOdd = Avx512F.FusedMultiplyAdd(m5, Vector512.Create(xsum[5]), minsOdd);
            minsEven = Avx512F.FusedMultiplyAdd(m6, Vector512.Create(xsum[6]), minsEven);
            minsOdd = Avx512F.FusedMultiplyAdd(m7, Vector512.Create(xsum[7]), minsOdd);
            float* result = results + (64 * i);
            Vector512<float> acc = Avx512F.FusedMultiplyAdd(even + odd, dw, Vector512.Load(result));
            (acc - ((minsEven + minsOdd) * dmin)).Store(result);
        }
    }

    /// <summary>
    /// One super-block (at <paramref name="offset"/>) of the first 2·<paramref name="pairs"/> Q6_K groups
    /// against TRows x-rows (seeds[16i + j]: sub-block j's seed for x-row i; block scales at d + i·k/32):
    /// acc += d·Σ sc·dx·S into results + 64i + 8s for group s, in ApplyQ6KRows' order per lane.
    /// <paramref name="sums"/> holds 16·TRows·pairs vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Q6KZmm<TRows>(byte** groups, int pairs, nint offset, byte** at, sbyte* x, int k, int* seeds,
        Vector512<int>* sums, float* d, float* results)
        where TRows : struct, IRowCount
    {
        for (int s = 0; s < 2 * pairs; s++)
        {
            at[s] = groups[s] + offset;
        }
        KQuantZmm.Q6K(TRows.Count, pairs)(at, x, k, seeds, (int*)sums);
        for (int p = 0; p < pairs; p++)
        {
            ApplyQ6KPair<TRows>(at[2 * p], at[(2 * p) + 1], k, sums + (16 * TRows.Count * p), d, results + (16 * p));
        }
    }

    /// <summary>The pair g0, g1's sums (16 per x-row) applied: acc += d·Σ sc·dx·S into the pair's 16 results of x-row i at results + 64i.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ApplyQ6KPair<TRows>(byte* g0, byte* g1, int k, Vector512<int>* sums, float* d, float* results)
        where TRows : struct, IRowCount
    {
        // The lines of the pair's next super-block the generated code left (KQuantZmmCode.Q6KPrefetchedLines).
        for (int line = KQuantZmmCode.Q6KPrefetchedLines; line < (Q6K + 63) / 64; line++)
        {
            Sse.Prefetch0(g0 + Q6K + (64 * line));
            Sse.Prefetch0(g1 + Q6K + (64 * line));
        }
        // Sub-block j's int8 scale is byte j % 4 of vector j / 4 (ggml's scales[j]); its x block is j / 2.
        Vector512<uint> v = Pair(g0 + 1552, g1 + 1552);
        Vector512<float> sc0 = SignedByte(v, 0), sc1 = SignedByte(v, 1), sc2 = SignedByte(v, 2), sc3 = SignedByte(v, 3);
        v = Pair(g0 + 1584, g1 + 1584);
        Vector512<float> sc4 = SignedByte(v, 0), sc5 = SignedByte(v, 1), sc6 = SignedByte(v, 2), sc7 = SignedByte(v, 3);
        v = Pair(g0 + 1616, g1 + 1616);
        Vector512<float> sc8 = SignedByte(v, 0), sc9 = SignedByte(v, 1), sc10 = SignedByte(v, 2), sc11 = SignedByte(v, 3);
        v = Pair(g0 + 1648, g1 + 1648);
        Vector512<float> sc12 = SignedByte(v, 0), sc13 = SignedByte(v, 1), sc14 = SignedByte(v, 2), sc15 = SignedByte(v, 3);
        Vector512<float> dw = BlockFormats.HalfToFloat(Avx512F.ConvertToVector512Int32(Vector256.Create(Vector128.Load((short*)g0), Vector128.Load((short*)g1))));
        for (int i = 0; i < TRows.Count; i++)
        {
            float* dx = d + (i * (k / 32));
            Vector512<int>* row = sums + (16 * i);
            Vector512<float> s0 = Avx512F.ConvertToVector512Single(row[0]) * (sc0 * Vector512.Create(dx[0]));
            Vector512<float> s1 = Avx512F.ConvertToVector512Single(row[1]) * (sc1 * Vector512.Create(dx[0]));
            Vector512<float> s2 = Avx512F.ConvertToVector512Single(row[2]) * (sc2 * Vector512.Create(dx[1]));
            Vector512<float> s3 = Avx512F.ConvertToVector512Single(row[3]) * (sc3 * Vector512.Create(dx[1]));
            s0 = Scaled(row[4], sc4, dx[2], s0);
            s1 = Scaled(row[5], sc5, dx[2], s1);
            s2 = Scaled(row[6], sc6, dx[3], s2);
            s3 = Scaled(row[7], sc7, dx[3], s3);
            s0 = Scaled(row[8], sc8, dx[4], s0);
            s1 = Scaled(row[9], sc9, dx[4], s1);
            s2 = Scaled(row[10], sc10, dx[5], s2);
            s3 = Scaled(row[11], sc11, dx[5], s3);
            s0 = Scaled(row[12], sc12, dx[6], s0);
            s1 = Scaled(row[13], sc13, dx[6], s1);
            s2 = Scaled(row[14], sc14, dx[7], s2);
            s3 = Scaled(row[15], sc15, dx[7], s3);
            float* result = results + (64 * i);
            Avx512F.FusedMultiplyAdd((s0 + s1) + (s2 + s3), dw, Vector512.Load(result)).Store(result);
        }
    }

    /// <summary>32 bytes of group 0 in the low half, the same 32 bytes of group 1 in the high half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Pair(byte* p0, byte* p1) => Vector512.Create(Vector256.Load((uint*)p0), Vector256.Load((uint*)p1));

    /// <summary>acc + float(sum) · scale · d, as <see cref="Scaled(Vector256{int}, Vector256{float}, float, Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Scaled(Vector512<int> sum, Vector512<float> scale, float d, Vector512<float> acc) =>
        Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum), scale * Vector512.Create(d), acc);

    /// <summary>Byte <paramref name="k"/> of every 32-bit lane as a float (signed: Q6_K's int8 scales).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SignedByte(Vector512<uint> v, int k) =>
        Avx512F.ConvertToVector512Single(Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(v, 24 - (8 * k)).AsInt32(), 24));

    /// <summary>Byte <paramref name="k"/> of every 32-bit lane as a float (unsigned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Byte(Vector512<uint> v, int k) =>
        Avx512F.ConvertToVector512Single((Vector512.ShiftRightLogical(v, 8 * k) & Vector512.Create(0xFFu)).AsInt32());
}
