// Q4_K on AVX2 without VNNI (Avx2ByteDot), 1-4 x-rows, one group or a pair sharing x's broadcasts
// (one-row decode too: pairs, and a lone group for an odd last one): vpmaddubsw's int16 pair sums of a
// sub-block are added in int16 and widened by one vpmaddwd against the sub-block's 6-bit scale, so the
// integer sum that leaves the dot loop is already sc·S, and the float step per sub-block and x-row is
// one conversion and one FMA with dx. The VNNI forms (int32 sums, float scales) are in
// InterleavedDotX86.KQuants.cs and .Q4KRows.cs; this file does not serve them.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

internal readonly unsafe partial struct X86InterleavedDot<TDot>
{
    // Why the scale goes into the integer sum: with float scales, the per-row step (convert, scale·dx,
    // FMA per sub-block, plus the mins) took a third of a 4-x-row matvec's time on the AMD EPYC (the dots
    // alone: 0.034 ms against 0.053 for 2048 × 256 on one thread from L2). Exact: |S| ≤ 8 · 2 · 15 · 128
    // = 30720 fits the int16 lanes and |sc·S| ≤ 63 · 30720 < 2^24, so float(sc·S) is exact and the one
    // rounding left is the FMA's.

    /// <summary>
    /// The group's 8 sub-block scales as int16 pairs (lane r: sc_j of row r in both halves, for vpmaddwd)
    /// to sc[0..8), and its 8 mins as floats to mins[0..8) (ggml's 12-byte packing, BlockFormats.ScaleMinK4).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScalesQ4KAvx2(byte* g, Vector256<short>* sc, Vector256<float>* mins)
    {
        Vector256<uint> a = Vector256.Load((uint*)(g + 32)), b = Vector256.Load((uint*)(g + 64)), c = Vector256.Load((uint*)(g + 96));
        Vector256<uint> six = Vector256.Create(0x3F3F3F3Fu), four = Vector256.Create(0x0F0F0F0Fu), top = Vector256.Create(0x30303030u);
        Vector256<byte> scLo = (a & six).AsByte(), scHi = ((c & four) | (Vector256.ShiftRightLogical(a, 2) & top)).AsByte();
        Vector256<uint> mLo = b & six, mHi = (Vector256.ShiftRightLogical(c, 4) & four) | (Vector256.ShiftRightLogical(b, 2) & top);
        // vpshufb copies byte j of each 32-bit lane into both int16 halves (index 0x80 zeroes a byte).
        Vector256<byte> byte0 = Vector256.Create(0x80008000u, 0x80048004u, 0x80088008u, 0x800C800Cu, 0x80008000u, 0x80048004u, 0x80088008u, 0x800C800Cu).AsByte();
        Vector256<byte> byte1 = Vector256.Create(0x80018001u, 0x80058005u, 0x80098009u, 0x800D800Du, 0x80018001u, 0x80058005u, 0x80098009u, 0x800D800Du).AsByte();
        Vector256<byte> byte2 = Vector256.Create(0x80028002u, 0x80068006u, 0x800A800Au, 0x800E800Eu, 0x80028002u, 0x80068006u, 0x800A800Au, 0x800E800Eu).AsByte();
        Vector256<byte> byte3 = Vector256.Create(0x80038003u, 0x80078007u, 0x800B800Bu, 0x800F800Fu, 0x80038003u, 0x80078007u, 0x800B800Bu, 0x800F800Fu).AsByte();
        sc[0] = Avx2.Shuffle(scLo, byte0).AsInt16();
        sc[1] = Avx2.Shuffle(scLo, byte1).AsInt16();
        sc[2] = Avx2.Shuffle(scLo, byte2).AsInt16();
        sc[3] = Avx2.Shuffle(scLo, byte3).AsInt16();
        sc[4] = Avx2.Shuffle(scHi, byte0).AsInt16();
        sc[5] = Avx2.Shuffle(scHi, byte1).AsInt16();
        sc[6] = Avx2.Shuffle(scHi, byte2).AsInt16();
        sc[7] = Avx2.Shuffle(scHi, byte3).AsInt16();
        mins[0] = Byte(mLo, 0);
        mins[1] = Byte(mLo, 1);
        mins[2] = Byte(mLo, 2);
        mins[3] = Byte(mLo, 3);
        mins[4] = Byte(mHi, 0);
        mins[5] = Byte(mHi, 1);
        mins[6] = Byte(mHi, 2);
        mins[7] = Byte(mHi, 3);
    }

    /// <summary>
    /// acc += d·Σ dx_j·(sc·S)_j − dmin·Σ m_j·xs_j for one group and x-row, two chains each (even and odd
    /// sub-blocks): the order <see cref="ApplyQ4KRowsAvx2{TRows, TGroups}"/> keeps, so batched rows equal
    /// one-row calls bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyQ4KAvx2(Vector256<int>* sums, Vector256<float>* mins, Vector256<float> dw, Vector256<float> dmin, float* d, float* xs,
        float* result)
    {
        Vector256<float> even = Avx.ConvertToVector256Single(sums[0]) * Vector256.Create(d[0]);
        Vector256<float> odd = Avx.ConvertToVector256Single(sums[1]) * Vector256.Create(d[1]);
        even = MulAdd(Avx.ConvertToVector256Single(sums[2]), Vector256.Create(d[2]), even);
        odd = MulAdd(Avx.ConvertToVector256Single(sums[3]), Vector256.Create(d[3]), odd);
        even = MulAdd(Avx.ConvertToVector256Single(sums[4]), Vector256.Create(d[4]), even);
        odd = MulAdd(Avx.ConvertToVector256Single(sums[5]), Vector256.Create(d[5]), odd);
        even = MulAdd(Avx.ConvertToVector256Single(sums[6]), Vector256.Create(d[6]), even);
        odd = MulAdd(Avx.ConvertToVector256Single(sums[7]), Vector256.Create(d[7]), odd);
        Vector256<float> acc = MulAdd(even + odd, dw, Vector256.Load(result));
        (acc - (MinsQ4K(mins, xs) * dmin)).Store(result);
    }

    /// <summary>
    /// One super-block of TGroups groups (1 or 2, at g0 and g1) against TRows x-rows (1-4; x-row i at x + i·k):
    /// the scales of both groups, the 4 chunks (every x-row's broadcast serves both groups), then the
    /// float step. Prefetches as <see cref="Q4KRows{TRows}"/>. results: group 0's 8 lanes of x-row 0
    /// (group 1 at + 8, x-row i at + 64i).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Q4KRowsSuperBlockAvx2<TRows, TGroups>(byte* g0, byte* g1, sbyte* x, int k, Vector256<int>* sums, Vector256<short>* sc,
        Vector256<float>* mins, float* d, float* xs, float* results)
        where TRows : struct, IRowCount
        where TGroups : struct, IRowCount
    {
        ScalesQ4KAvx2(g0, sc, mins);
        if (TGroups.Count > 1)
        {
            ScalesQ4KAvx2(g1, sc + 8, mins + 8);
        }
        for (int c = 0; c < 4; c++)
        {
            Prefetch5(g0 + Q4K + (320 * c));
            if (TGroups.Count > 1)
            {
                Prefetch5(g1 + Q4K + (320 * c));
            }
            ChunkQ4KRowsAvx2<TRows, TGroups>(g0 + 128 + (256 * c), g1 + 128 + (256 * c), x + (64 * c), k, sc + (2 * c), sums + (2 * c));
        }
        ApplyQ4KRowsAvx2<TRows, TGroups>(g0, g1, sums, mins, d, xs, k, results);
    }

    /// <summary>
    /// Sub-blocks 2c and 2c + 1 of TGroups groups against every x-row: group h's sums of x-row i at
    /// sums[32h + 8i] (low nibbles) and [32h + 8i + 1] (high), times the scales at sc[8h], sc[8h + 1].
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ChunkQ4KRowsAvx2<TRows, TGroups>(byte* qs0, byte* qs1, sbyte* x, int k, Vector256<short>* sc, Vector256<int>* sums)
        where TRows : struct, IRowCount
        where TGroups : struct, IRowCount
    {
        Vector256<byte> low4 = Vector256.Create((byte)0x0F);
        PassQ4KRowsAvx2<TRows, TGroups>(qs0, qs1, x, k, low4, false, sc, sums);
        PassQ4KRowsAvx2<TRows, TGroups>(qs0, qs1, x + 32, k, low4, true, sc + 1, sums + 1);
    }

    /// <summary>One nibble of the 8 vectors of TGroups groups against every x-row, in int16 chains (8 at 2 groups and 4 x-rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PassQ4KRowsAvx2<TRows, TGroups>(byte* qs0, byte* qs1, sbyte* x, int k, Vector256<byte> low4, bool high,
        Vector256<short>* sc, Vector256<int>* sums)
        where TRows : struct, IRowCount
        where TGroups : struct, IRowCount
    {
        Vector256<short> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        // Vector v holds values 4v..4v+3 of the sub-block for the 8 rows. Written out (the JIT does not unroll).
        StepQ4KRowsAvx2<TRows, TGroups>(qs0, qs1, x, k, low4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KRowsAvx2<TRows, TGroups>(qs0 + 32, qs1 + 32, x + 4, k, low4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KRowsAvx2<TRows, TGroups>(qs0 + 64, qs1 + 64, x + 8, k, low4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KRowsAvx2<TRows, TGroups>(qs0 + 96, qs1 + 96, x + 12, k, low4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KRowsAvx2<TRows, TGroups>(qs0 + 128, qs1 + 128, x + 16, k, low4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KRowsAvx2<TRows, TGroups>(qs0 + 160, qs1 + 160, x + 20, k, low4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KRowsAvx2<TRows, TGroups>(qs0 + 192, qs1 + 192, x + 24, k, low4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KRowsAvx2<TRows, TGroups>(qs0 + 224, qs1 + 224, x + 28, k, low4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        ScaledRows<TRows>(sums, sc[0], a0, a1, a2, a3);
        if (TGroups.Count > 1)
        {
            ScaledRows<TRows>(sums + 32, sc[8], b0, b1, b2, b3);
        }
    }

    /// <summary>One group's int16 chains of x-rows 0-3 widened against its scale into sums[0], [8], [16], [24].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaledRows<TRows>(Vector256<int>* sums, Vector256<short> scale, Vector256<short> a0, Vector256<short> a1,
        Vector256<short> a2, Vector256<short> a3)
        where TRows : struct, IRowCount
    {
        sums[0] = Avx2.MultiplyAddAdjacent(a0, scale);
        if (TRows.Count > 1)
        {
            sums[8] = Avx2.MultiplyAddAdjacent(a1, scale);
        }
        if (TRows.Count > 2)
        {
            sums[16] = Avx2.MultiplyAddAdjacent(a2, scale);
        }
        if (TRows.Count > 3)
        {
            sums[24] = Avx2.MultiplyAddAdjacent(a3, scale);
        }
    }

    /// <summary>One vector position: each group's vector unpacked once, every x-row's broadcast shared by the groups.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepQ4KRowsAvx2<TRows, TGroups>(byte* qs0, byte* qs1, sbyte* x, int k, Vector256<byte> low4, bool high,
        ref Vector256<short> a0, ref Vector256<short> b0, ref Vector256<short> a1, ref Vector256<short> b1,
        ref Vector256<short> a2, ref Vector256<short> b2, ref Vector256<short> a3, ref Vector256<short> b3)
        where TRows : struct, IRowCount
        where TGroups : struct, IRowCount
    {
        Vector256<byte> v0 = Vector256.Load(qs0);
        Vector256<byte> w0 = high ? High(v0, low4) : v0 & low4;
        Vector256<byte> w1 = default;
        if (TGroups.Count > 1)
        {
            Vector256<byte> v1 = Vector256.Load(qs1);
            w1 = high ? High(v1, low4) : v1 & low4;
        }
        StepRow<TGroups>(w0, w1, Broadcast(x), ref a0, ref b0);
        if (TRows.Count > 1)
        {
            StepRow<TGroups>(w0, w1, Broadcast(x + k), ref a1, ref b1);
        }
        if (TRows.Count > 2)
        {
            StepRow<TGroups>(w0, w1, Broadcast(x + (2 * k)), ref a2, ref b2);
        }
        if (TRows.Count > 3)
        {
            StepRow<TGroups>(w0, w1, Broadcast(x + (3 * k)), ref a3, ref b3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepRow<TGroups>(Vector256<byte> w0, Vector256<byte> w1, Vector256<sbyte> b, ref Vector256<short> a, ref Vector256<short> bSum)
        where TGroups : struct, IRowCount
    {
        a += Pairs(w0, b);
        if (TGroups.Count > 1)
        {
            bSum += Pairs(w1, b);
        }
    }

    /// <summary>
    /// <see cref="ApplyQ4KAvx2"/> for TGroups groups and every x-row, each dx and xs broadcast once for
    /// both groups. d and xs point at the super-block's entries of x-row 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ApplyQ4KRowsAvx2<TRows, TGroups>(byte* g0, byte* g1, Vector256<int>* sums, Vector256<float>* mins, float* d, float* xs, int k,
        float* results)
        where TRows : struct, IRowCount
        where TGroups : struct, IRowCount
    {
        // The f16 d and dmin of each group are converted once for every x-row (about 10 operations each).
        Vector256<float> dw0 = SuperBlockScales(g0), dmin0 = SuperBlockScales(g0 + 16);
        Vector256<float> dw1 = TGroups.Count > 1 ? SuperBlockScales(g1) : default, dmin1 = TGroups.Count > 1 ? SuperBlockScales(g1 + 16) : default;
        for (int i = 0; i < TRows.Count; i++)
        {
            float* dx = d + (i * (k / 32)), xsum = xs + (i * (k / 16));
            if (TGroups.Count > 1)
            {
                ApplyQ4KPairAvx2(sums + (8 * i), mins, dw0, dmin0, dw1, dmin1, dx, xsum, results + (64 * i));
            }
            else
            {
                ApplyQ4KAvx2(sums + (8 * i), mins, dw0, dmin0, dx, xsum, results + (64 * i));
            }
        }
    }

    /// <summary>
    /// <see cref="ApplyQ4KAvx2"/> for two groups (sums + 32 and mins + 8 are the second's, its results at
    /// result + 8) with each dx and xs broadcast once; per group the same operations in the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyQ4KPairAvx2(Vector256<int>* sums, Vector256<float>* mins, Vector256<float> dw0, Vector256<float> dmin0,
        Vector256<float> dw1, Vector256<float> dmin1, float* d, float* xs, float* result)
    {
        Vector256<float> b = Vector256.Create(d[0]);
        Vector256<float> even0 = Avx.ConvertToVector256Single(sums[0]) * b, even1 = Avx.ConvertToVector256Single(sums[32]) * b;
        b = Vector256.Create(d[1]);
        Vector256<float> odd0 = Avx.ConvertToVector256Single(sums[1]) * b, odd1 = Avx.ConvertToVector256Single(sums[33]) * b;
        for (int j = 2; j < 8; j += 2)
        {
            b = Vector256.Create(d[j]);
            even0 = MulAdd(Avx.ConvertToVector256Single(sums[j]), b, even0);
            even1 = MulAdd(Avx.ConvertToVector256Single(sums[32 + j]), b, even1);
            b = Vector256.Create(d[j + 1]);
            odd0 = MulAdd(Avx.ConvertToVector256Single(sums[j + 1]), b, odd0);
            odd1 = MulAdd(Avx.ConvertToVector256Single(sums[33 + j]), b, odd1);
        }
        Vector256<float> acc0 = MulAdd(even0 + odd0, dw0, Vector256.Load(result));
        Vector256<float> acc1 = MulAdd(even1 + odd1, dw1, Vector256.Load(result + 8));
        b = Vector256.Create(xs[0]);
        Vector256<float> minsEven0 = mins[0] * b, minsEven1 = mins[8] * b;
        b = Vector256.Create(xs[1]);
        Vector256<float> minsOdd0 = mins[1] * b, minsOdd1 = mins[9] * b;
        for (int j = 2; j < 8; j += 2)
        {
            b = Vector256.Create(xs[j]);
            minsEven0 = MulAdd(mins[j], b, minsEven0);
            minsEven1 = MulAdd(mins[8 + j], b, minsEven1);
            b = Vector256.Create(xs[j + 1]);
            minsOdd0 = MulAdd(mins[j + 1], b, minsOdd0);
            minsOdd1 = MulAdd(mins[9 + j], b, minsOdd1);
        }
        (acc0 - ((minsEven0 + minsOdd0) * dmin0)).Store(result);
        (acc1 - ((minsEven1 + minsOdd1) * dmin1)).Store(result + 8);
    }
}
