// The x86 K-quant kernels' entry points and the 2-4 x-row form of Q6_K (Q4_K's is in
// InterleavedDotX86.Q4KRows.cs), for batched decode: concurrent streams sharing a step. Each weight
// vector is unpacked once and dotted with every x-row, and the scales are converted once per
// super-block and group; only the dot products and the per-row float sums run once per x-row.
// Integer sums are exact and the float steps keep the one-row kernels' order, so each x-row's result
// equals a one-row call bit for bit. Pairs of groups can take the generated 512-bit code instead
// (InterleavedDotX86.Zmm.cs).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

/// <summary>How many x-rows a multi-row kernel instance takes: a JIT-time constant, so unused rows' code folds away.</summary>
internal interface IRowCount
{
    static abstract int Count { get; }
}

internal readonly struct TwoRows : IRowCount
{
    public static int Count => 2;
}

internal readonly struct ThreeRows : IRowCount
{
    public static int Count => 3;
}

internal readonly struct FourRows : IRowCount
{
    public static int Count => 4;
}

/// <summary>Groups of 8 weight rows a K-quant step walks together (Q4_K on AVX2: one, or a pair sharing x's broadcasts).</summary>
internal readonly struct OneGroup : IRowCount
{
    public static int Count => 1;
}

internal readonly struct TwoGroups : IRowCount
{
    public static int Count => 2;
}

internal readonly unsafe partial struct X86InterleavedDot<TDot>
{
    public static void Q4_K(byte** groups, int streams, int superBlocks, int rows, sbyte* q, float* d, float* xs, float* results)
    {
        switch (rows)
        {
            case 1: Q4KOneRow(groups, streams, superBlocks, q, d, xs, results); break;
            case 2: Q4KRows<TwoRows>(groups, streams, superBlocks, q, d, xs, results); break;
            case 3: Q4KRows<ThreeRows>(groups, streams, superBlocks, q, d, xs, results); break;
            default: Q4KRows<FourRows>(groups, streams, superBlocks, q, d, xs, results); break;
        }
    }

    public static void Q6_K(byte** groups, int streams, int superBlocks, int rows, sbyte* q, float* d, int* seeds, float* results)
    {
        switch (rows)
        {
            case 1: Q6KOneRow(groups, streams, superBlocks, q, d, seeds, results); break;
            case 2: Q6KRows<TwoRows>(groups, streams, superBlocks, q, d, seeds, results); break;
            case 3: Q6KRows<ThreeRows>(groups, streams, superBlocks, q, d, seeds, results); break;
            default: Q6KRows<FourRows>(groups, streams, superBlocks, q, d, seeds, results); break;
        }
    }

    /// <summary>
    /// <see cref="Q6KOneRow"/> for TRows x-rows. The one-row kernel makes 4 byte vectors per step (one per
    /// quarter); with 4 chains per x-row that would be 16 accumulators at 4 rows, so each half-quarter
    /// set runs in two passes, quarters 0 and 2 (the low ql half) and then 1 and 3 (the high one),
    /// each reading qh again from L1: the same unpacking operations, 2 chains per x-row.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit] // the stack buffers are written before read
    private static void Q6KRows<TRows>(byte** groups, int streams, int superBlocks, sbyte* q, float* d, int* seeds, float* results)
        where TRows : struct, IRowCount
    {
        int k = 256 * superBlocks;
        for (int i = 0; i < TRows.Count; i++)
        {
            for (int s = 0; s < streams; s++)
            {
                Vector256<float>.Zero.Store(results + (64 * i) + (8 * s));
            }
        }
        Vector256<int>* sums = stackalloc Vector256<int>[16 * 4];
        Vector256<float>* scales = stackalloc Vector256<float>[16];
        Vector512<int>* wide = stackalloc Vector512<int>[TDot.ZmmKQuants ? 16 * 4 * TRows.Count : 1];
        byte** at = stackalloc byte*[8];
        int pairs = TDot.ZmmKQuants ? streams / 2 : 0;
        int* rowSeeds = stackalloc int[16 * TRows.Count];
        for (int sb = 0; sb < superBlocks; sb++)
        {
            nint offset = (nint)sb * Q6K;
            sbyte* x = q + (256 * sb);
            int* seed = seeds + (16 * sb);
            for (int i = 0; pairs > 0 && i < TRows.Count; i++)
            {
                // The generated code reads x-row i's 16 seeds at rowSeeds[16i..]: they sit k/16 ints apart.
                new ReadOnlySpan<int>(seed + (i * (k / 16)), 16).CopyTo(new Span<int>(rowSeeds + (16 * i), 16));
            }
            if (pairs > 0)
            {
                Q6KZmm<TRows>(groups, pairs, offset, at, x, k, rowSeeds, wide, d + (8 * sb), results);
            }
            for (int s = 2 * pairs; s < streams; s++)
            {
                byte* g = groups[s] + offset;
                // Spread like the one-row kernel's: 4 x-rows read 7.4 GB/s with all 27 lines up front, 9.7 spread (AMD EPYC, 2 threads).
                PrefetchQuarterQ6K(g, 0);
                QuarterQ6KRows<TRows>(g + 16, g + 1040, x, seed, k, sums);
                PrefetchQuarterQ6K(g, 1);
                QuarterQ6KRows<TRows>(g + 144, g + 1168, x + 16, seed + 1, k, sums + 1);
                PrefetchQuarterQ6K(g, 2);
                QuarterQ6KRows<TRows>(g + 528, g + 1296, x + 128, seed + 8, k, sums + 8);
                PrefetchQuarterQ6K(g, 3);
                QuarterQ6KRows<TRows>(g + 656, g + 1424, x + 144, seed + 9, k, sums + 9);
                ApplyQ6KRows<TRows>(g, sums, scales, d + (8 * sb), k, results + (8 * s));
            }
        }
    }

    /// <summary>
    /// One super-block of one group, its 16 sub-blocks' integer sums for x-row i at sums[16i..16i+16):
    /// acc_i += d·Σ sc·dx·S. Four chains of 4 sub-blocks (j mod 4): one chain of 16 dependent FMAs per
    /// row made this step slower than the dot products at 4 x-rows. d points at the super-block's
    /// scales of x-row 0; results at the group's 8 lanes of x-row 0 (x-row i: + 64i).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ApplyQ6KRows<TRows>(byte* g, Vector256<int>* sums, Vector256<float>* scales, float* d, int k, float* results)
        where TRows : struct, IRowCount
    {
        // Sub-block j's int8 scale is byte j % 4 of vector j / 4 (ggml's scales[j]); its x block is j / 2.
        byte* sc = g + 1552;
        for (int v = 0; v < 4; v++)
        {
            Vector256<uint> packed = Vector256.Load((uint*)(sc + (32 * v)));
            scales[(4 * v) + 0] = SignedByte(packed, 0);
            scales[(4 * v) + 1] = SignedByte(packed, 1);
            scales[(4 * v) + 2] = SignedByte(packed, 2);
            scales[(4 * v) + 3] = SignedByte(packed, 3);
        }
        Vector256<float> dw = SuperBlockScales(g);
        for (int i = 0; i < TRows.Count; i++)
        {
            float* dx = d + (i * (k / 32));
            Vector256<int>* row = sums + (16 * i);
            Vector256<float> s0 = Avx.ConvertToVector256Single(row[0]) * (scales[0] * Vector256.Create(dx[0]));
            Vector256<float> s1 = Avx.ConvertToVector256Single(row[1]) * (scales[1] * Vector256.Create(dx[0]));
            Vector256<float> s2 = Avx.ConvertToVector256Single(row[2]) * (scales[2] * Vector256.Create(dx[1]));
            Vector256<float> s3 = Avx.ConvertToVector256Single(row[3]) * (scales[3] * Vector256.Create(dx[1]));
            s0 = Scaled(row[4], scales[4], dx[2], s0);
            s1 = Scaled(row[5], scales[5], dx[2], s1);
            s2 = Scaled(row[6], scales[6], dx[3], s2);
            s3 = Scaled(row[7], scales[7], dx[3], s3);
            s0 = Scaled(row[8], scales[8], dx[4], s0);
            s1 = Scaled(row[9], scales[9], dx[4], s1);
            s2 = Scaled(row[10], scales[10], dx[5], s2);
            s3 = Scaled(row[11], scales[11], dx[5], s3);
            s0 = Scaled(row[12], scales[12], dx[6], s0);
            s1 = Scaled(row[13], scales[13], dx[6], s1);
            s2 = Scaled(row[14], scales[14], dx[7], s2);
            s3 = Scaled(row[15], scales[15], dx[7], s3);
            float* result = results + (64 * i);
            MulAdd((s0 + s1) + (s2 + s3), dw, Vector256.Load(result)).Store(result);
        }
    }

    /// <summary>
    /// <see cref="QuarterQ6K"/> for every x-row (x-row i at x + i·k, its seeds at seeds + i·k/16): quarter
    /// q's sum of x-row i goes to sums[16i + 2q]. Not inlined, for the JIT's inlining budget (as <see cref="ChunkQ4KRows"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void QuarterQ6KRows<TRows>(byte* ql, byte* qh, sbyte* x, int* seeds, int k, Vector256<int>* sums)
        where TRows : struct, IRowCount
    {
        Vector256<byte> low4 = Vector256.Create((byte)0x0F), bits45 = Vector256.Create((byte)0x30);
        int side = k / 16;
        // Pass 1: quarters 0 and 2 from the low ql half (its low and high nibbles).
        Vector256<int> a0 = Vector256.Create(seeds[0]), b0 = Vector256.Create(seeds[4]);
        Vector256<int> a1 = Vector256.Create(seeds[side]), b1 = Vector256.Create(seeds[side + 4]);
        Vector256<int> a2 = TRows.Count > 2 ? Vector256.Create(seeds[(2 * side)]) : default, b2 = TRows.Count > 2 ? Vector256.Create(seeds[(2 * side) + 4]) : default;
        Vector256<int> a3 = TRows.Count > 3 ? Vector256.Create(seeds[(3 * side)]) : default, b3 = TRows.Count > 3 ? Vector256.Create(seeds[(3 * side) + 4]) : default;
        PassQ6KRows<TRows>(ql, qh, x, k, low4, bits45, false, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        // Quarters q and q + 2 of x-row i to sums[16i + q] and sums[16i + q + 4].
        StoreRows<TRows>(sums, sums + 4, 16, a0, b0, a1, b1, a2, b2, a3, b3);
        // Pass 2: quarters 1 and 3 from the high ql half.
        a0 = Vector256.Create(seeds[2]);
        b0 = Vector256.Create(seeds[6]);
        a1 = Vector256.Create(seeds[side + 2]);
        b1 = Vector256.Create(seeds[side + 6]);
        a2 = TRows.Count > 2 ? Vector256.Create(seeds[(2 * side) + 2]) : default;
        b2 = TRows.Count > 2 ? Vector256.Create(seeds[(2 * side) + 6]) : default;
        a3 = TRows.Count > 3 ? Vector256.Create(seeds[(3 * side) + 2]) : default;
        b3 = TRows.Count > 3 ? Vector256.Create(seeds[(3 * side) + 6]) : default;
        PassQ6KRows<TRows>(ql, qh, x + 32, k, low4, bits45, true, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StoreRows<TRows>(sums + 2, sums + 6, 16, a0, b0, a1, b1, a2, b2, a3, b3);
    }

    /// <summary>
    /// 4 steps of 4 values: from the low ql half (<paramref name="highHalf"/> false) quarter 0 into the a
    /// chains (x) and quarter 2 into the b chains (x + 64); from the high half quarters 1 and 3 (x is
    /// then already advanced by 32). Written out (the JIT does not unroll).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PassQ6KRows<TRows>(byte* ql, byte* qh, sbyte* x, int k, Vector256<byte> low4, Vector256<byte> bits45, bool highHalf,
        ref Vector256<int> a0, ref Vector256<int> b0, ref Vector256<int> a1, ref Vector256<int> b1,
        ref Vector256<int> a2, ref Vector256<int> b2, ref Vector256<int> a3, ref Vector256<int> b3)
        where TRows : struct, IRowCount
    {
        byte* half = highHalf ? ql + 256 : ql;
        StepQ6KRows<TRows>(half, qh, x, k, low4, bits45, highHalf, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ6KRows<TRows>(half + 32, qh + 32, x + 4, k, low4, bits45, highHalf, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ6KRows<TRows>(half + 64, qh + 64, x + 8, k, low4, bits45, highHalf, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ6KRows<TRows>(half + 96, qh + 96, x + 12, k, low4, bits45, highHalf, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
    }

    /// <summary>
    /// One ql vector and one qh vector make 2 byte vectors (as <see cref="StepQ6K"/>: the nibble or'ed
    /// with 2 bits of qh moved to bits 4-5), each dotted with every x-row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepQ6KRows<TRows>(byte* ql, byte* qh, sbyte* x, int k, Vector256<byte> low4, Vector256<byte> bits45, bool highHalf,
        ref Vector256<int> a0, ref Vector256<int> b0, ref Vector256<int> a1, ref Vector256<int> b1,
        ref Vector256<int> a2, ref Vector256<int> b2, ref Vector256<int> a3, ref Vector256<int> b3)
        where TRows : struct, IRowCount
    {
        Vector256<ushort> nibbles = Vector256.Load((ushort*)ql), hb = Vector256.Load((ushort*)qh);
        Vector256<byte> va, vb;
        if (highHalf)
        {
            va = (nibbles.AsByte() & low4) | (Vector256.ShiftLeft(hb, 2).AsByte() & bits45);
            vb = (Vector256.ShiftRightLogical(nibbles, 4).AsByte() & low4) | (Vector256.ShiftRightLogical(hb, 2).AsByte() & bits45);
        }
        else
        {
            va = (nibbles.AsByte() & low4) | (Vector256.ShiftLeft(hb, 4).AsByte() & bits45);
            vb = (Vector256.ShiftRightLogical(nibbles, 4).AsByte() & low4) | (hb.AsByte() & bits45);
        }
        DotRows<TRows>(va, vb, x, k, 64, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
    }

    /// <summary>
    /// a_i += wa·x_i[0..4) and b_i += wb·x_i[apart..apart + 4) for every x-row i (x_i = x + i·k, each
    /// 4 bytes broadcast): the per-row half of a one-group step, shared by Q4_K (apart 32: low and high
    /// nibbles) and Q6_K (apart 64: quarters q and q + 2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotRows<TRows>(Vector256<byte> wa, Vector256<byte> wb, sbyte* x, int k, int apart,
        ref Vector256<int> a0, ref Vector256<int> b0, ref Vector256<int> a1, ref Vector256<int> b1,
        ref Vector256<int> a2, ref Vector256<int> b2, ref Vector256<int> a3, ref Vector256<int> b3)
        where TRows : struct, IRowCount
    {
        a0 = TDot.Dot(a0, wa, Broadcast(x));
        b0 = TDot.Dot(b0, wb, Broadcast(x + apart));
        a1 = TDot.Dot(a1, wa, Broadcast(x + k));
        b1 = TDot.Dot(b1, wb, Broadcast(x + k + apart));
        if (TRows.Count > 2)
        {
            a2 = TDot.Dot(a2, wa, Broadcast(x + (2 * k)));
            b2 = TDot.Dot(b2, wb, Broadcast(x + (2 * k) + apart));
        }
        if (TRows.Count > 3)
        {
            a3 = TDot.Dot(a3, wa, Broadcast(x + (3 * k)));
            b3 = TDot.Dot(b3, wb, Broadcast(x + (3 * k) + apart));
        }
    }

    /// <summary>first[stride·i] = a_i and second[stride·i] = b_i for every x-row i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows<TRows>(Vector256<int>* first, Vector256<int>* second, int stride, Vector256<int> a0, Vector256<int> b0,
        Vector256<int> a1, Vector256<int> b1, Vector256<int> a2, Vector256<int> b2, Vector256<int> a3, Vector256<int> b3)
        where TRows : struct, IRowCount
    {
        first[0] = a0;
        second[0] = b0;
        first[stride] = a1;
        second[stride] = b1;
        if (TRows.Count > 2)
        {
            first[2 * stride] = a2;
            second[2 * stride] = b2;
        }
        if (TRows.Count > 3)
        {
            first[3 * stride] = a3;
            second[3 * stride] = b3;
        }
    }
}
