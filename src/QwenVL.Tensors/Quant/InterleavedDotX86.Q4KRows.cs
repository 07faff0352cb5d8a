// The 2-4 x-row Q4_K kernel (entry point and row counts in InterleavedDotX86.KQuantRows.cs): two
// groups at a time, each 32-byte weight vector unpacked once, every x-row's broadcast shared by both
// groups, the 6-bit scales and mins converted once per group. Tried and dropped (paired runs): the
// scales applied for a pair of groups in 512-bit vectors (no faster in decode, 11% slower from L2)
// and the dots fed pre-broadcast x from memory (22% slower for one row).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

internal readonly unsafe partial struct X86InterleavedDot<TDot>
{
    /// <summary>
    /// <see cref="Q4KOneRow"/> for TRows x-rows, two groups at a time: per 32-byte vector position, the two
    /// groups' vectors are unpacked once each and every x-row's broadcast 4 bytes serve both (low
    /// nibbles in one pass, high ones in a second, so 2 groups × 4 x-rows keep 8 accumulators, which
    /// leaves the VEX dot products ymm0-15). Broadcasts are loads: one group at a time took 9 loads
    /// per 8 dot products at 4 x-rows; dropping half of them (a wrong-result probe) ran 1.2× faster,
    /// and this order, 6 loads per 8, 7% faster (one thread, L2-resident matvecs, paired). The scales
    /// and mins go to a stack buffer as floats once per group. AVX2 without VNNI takes
    /// <see cref="Q4KRowsSuperBlockAvx2{TRows, TGroups}"/> per super-block instead (int16 sums, scales in the integer step).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit] // the stack buffers are written before read
    private static void Q4KRows<TRows>(byte** groups, int streams, int superBlocks, sbyte* q, float* d, float* xs, float* results)
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
        Vector256<int>* sums = stackalloc Vector256<int>[2 * 8 * 4];
        Vector256<float>* scales = stackalloc Vector256<float>[16]; // AVX2: the two groups' mins
        Vector256<short>* sc = stackalloc Vector256<short>[16]; // AVX2 only: the two groups' int16 scales
        Vector512<int>* wide = stackalloc Vector512<int>[TDot.ZmmKQuants ? 8 * 4 * TRows.Count : 1];
        byte** at = stackalloc byte*[8];
        int pairs = TDot.ZmmKQuants ? streams / 2 : 0;
        for (int sb = 0; sb < superBlocks; sb++)
        {
            nint offset = (nint)sb * Q4K;
            sbyte* x = q + (256 * sb);
            if (pairs > 0)
            {
                Q4KZmm<TRows>(groups, pairs, offset, at, x, k, wide, d + (8 * sb), xs + (8 * sb), results);
            }
            int s = 2 * pairs;
            for (; s + 1 < streams; s += 2)
            {
                byte* g0 = groups[s] + offset, g1 = groups[s + 1] + offset;
                if (!TDot.WideProducts)
                {
                    Q4KRowsSuperBlockAvx2<TRows, TwoGroups>(g0, g1, x, k, sums, sc, scales, d + (8 * sb), xs + (8 * sb), results + (8 * s));
                    continue;
                }
                for (int c = 0; c < 4; c++)
                {
                    // The next super-block of both groups, 5 lines of each before each chunk (as one-row).
                    Prefetch5(g0 + Q4K + (320 * c));
                    Prefetch5(g1 + Q4K + (320 * c));
                    ChunkQ4KPairRows<TRows>(g0 + 128 + (256 * c), g1 + 128 + (256 * c), x + (64 * c), k, sums + (2 * c), sums + 32 + (2 * c));
                }
                ApplyQ4KRows<TRows>(g0, sums, scales, d + (8 * sb), xs + (8 * sb), k, results + (8 * s));
                ApplyQ4KRows<TRows>(g1, sums + 32, scales, d + (8 * sb), xs + (8 * sb), k, results + (8 * s) + 8);
            }
            if (s < streams)
            {
                byte* g = groups[s] + offset;
                if (!TDot.WideProducts)
                {
                    Q4KRowsSuperBlockAvx2<TRows, OneGroup>(g, g, x, k, sums, sc, scales, d + (8 * sb), xs + (8 * sb), results + (8 * s));
                }
                else
                {
                    for (int c = 0; c < 4; c++)
                    {
                        Prefetch5(g + Q4K + (320 * c));
                        ChunkQ4KRows<TRows>(g + 128 + (256 * c), x + (64 * c), k, sums + (2 * c));
                    }
                    ApplyQ4KRows<TRows>(g, sums, scales, d + (8 * sb), xs + (8 * sb), k, results + (8 * s));
                }
            }
        }
    }

    /// <summary>
    /// One super-block of one group, its 8 sub-blocks' integer sums for x-row i at sums[8i..8i+8):
    /// acc_i += d·Σ sc·dx·S − dmin·Σ m·xs, in the one-row kernel's order. d and xs point at the
    /// super-block's entries of x-row 0; results at the group's 8 lanes of x-row 0 (x-row i: + 64i).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ApplyQ4KRows<TRows>(byte* g, Vector256<int>* sums, Vector256<float>* scales, float* d, float* xs, int k, float* results)
        where TRows : struct, IRowCount
    {
        float highScale = TDot.WideProducts ? 1f / 16 : 1f;
        // As in the one-row kernel (BlockFormats.ScaleMinK4): scales[j] = sc_j, scales[8 + j] = m_j.
        Vector256<uint> a = Vector256.Load((uint*)(g + 32)), b = Vector256.Load((uint*)(g + 64)), c = Vector256.Load((uint*)(g + 96));
        Vector256<uint> six = Vector256.Create(0x3F3F3F3Fu), four = Vector256.Create(0x0F0F0F0Fu), top = Vector256.Create(0x30303030u);
        Vector256<uint> scLo = a & six, scHi = (c & four) | (Vector256.ShiftRightLogical(a, 2) & top);
        Vector256<uint> mLo = b & six, mHi = (Vector256.ShiftRightLogical(c, 4) & four) | (Vector256.ShiftRightLogical(b, 2) & top);
        scales[0] = Byte(scLo, 0);
        scales[1] = Byte(scLo, 1);
        scales[2] = Byte(scLo, 2);
        scales[3] = Byte(scLo, 3);
        scales[4] = Byte(scHi, 0);
        scales[5] = Byte(scHi, 1);
        scales[6] = Byte(scHi, 2);
        scales[7] = Byte(scHi, 3);
        scales[8] = Byte(mLo, 0);
        scales[9] = Byte(mLo, 1);
        scales[10] = Byte(mLo, 2);
        scales[11] = Byte(mLo, 3);
        scales[12] = Byte(mHi, 0);
        scales[13] = Byte(mHi, 1);
        scales[14] = Byte(mHi, 2);
        scales[15] = Byte(mHi, 3);
        Vector256<float> dw = SuperBlockScales(g), dmin = SuperBlockScales(g + 16);
        for (int i = 0; i < TRows.Count; i++)
        {
            float* dx = d + (i * (k / 32)), xsum = xs + (i * (k / 16));
            Vector256<int>* row = sums + (8 * i);
            // Two chains each for the scaled sums and the mins (even and odd sub-blocks): one chain of
            // 8 dependent FMAs per row made this step as slow as the dot products themselves at 4 x-rows.
            Vector256<float> even = Avx.ConvertToVector256Single(row[0]) * (scales[0] * Vector256.Create(dx[0]));
            Vector256<float> odd = Avx.ConvertToVector256Single(row[1]) * (scales[1] * Vector256.Create(dx[1] * highScale));
            even = Scaled(row[2], scales[2], dx[2], even);
            odd = Scaled(row[3], scales[3], dx[3] * highScale, odd);
            even = Scaled(row[4], scales[4], dx[4], even);
            odd = Scaled(row[5], scales[5], dx[5] * highScale, odd);
            even = Scaled(row[6], scales[6], dx[6], even);
            odd = Scaled(row[7], scales[7], dx[7] * highScale, odd);
            float* result = results + (64 * i);
            Vector256<float> acc = MulAdd(even + odd, dw, Vector256.Load(result));
            (acc - (MinsQ4K(scales + 8, xsum) * dmin)).Store(result);
        }
    }

    /// <summary>
    /// Sub-blocks 2c and 2c+1 of two groups (at qs0, qs1) against every x-row into sums0/sums1[8i], [8i + 1]:
    /// low nibbles first, then high ones (8 chains each at 4 x-rows). Not inlined (see <see cref="ChunkQ4KRows"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ChunkQ4KPairRows<TRows>(byte* qs0, byte* qs1, sbyte* x, int k, Vector256<int>* sums0, Vector256<int>* sums1)
        where TRows : struct, IRowCount
    {
        Vector256<byte> low4 = Vector256.Create((byte)0x0F), high4 = Vector256.Create((byte)0xF0);
        PassQ4KPairRows<TRows>(qs0, qs1, x, k, low4, high4, false, sums0, sums1);
        PassQ4KPairRows<TRows>(qs0, qs1, x + 32, k, low4, high4, true, sums0 + 1, sums1 + 1);
    }

    /// <summary>One nibble of the 8 vectors of two groups against x-row i at x + i·k into sums0/sums1[8i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PassQ4KPairRows<TRows>(byte* qs0, byte* qs1, sbyte* x, int k, Vector256<byte> low4, Vector256<byte> high4, bool high,
        Vector256<int>* sums0, Vector256<int>* sums1)
        where TRows : struct, IRowCount
    {
        Vector256<int> a0 = Vector256<int>.Zero, b0 = Vector256<int>.Zero, a1 = Vector256<int>.Zero, b1 = Vector256<int>.Zero;
        Vector256<int> a2 = Vector256<int>.Zero, b2 = Vector256<int>.Zero, a3 = Vector256<int>.Zero, b3 = Vector256<int>.Zero;
        // Vector v holds values 4v..4v+3 of the sub-block for the 8 rows. Written out (the JIT does not unroll).
        StepQ4KPairRows<TRows>(qs0, qs1, x, k, low4, high4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KPairRows<TRows>(qs0 + 32, qs1 + 32, x + 4, k, low4, high4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KPairRows<TRows>(qs0 + 64, qs1 + 64, x + 8, k, low4, high4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KPairRows<TRows>(qs0 + 96, qs1 + 96, x + 12, k, low4, high4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KPairRows<TRows>(qs0 + 128, qs1 + 128, x + 16, k, low4, high4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KPairRows<TRows>(qs0 + 160, qs1 + 160, x + 20, k, low4, high4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KPairRows<TRows>(qs0 + 192, qs1 + 192, x + 24, k, low4, high4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StepQ4KPairRows<TRows>(qs0 + 224, qs1 + 224, x + 28, k, low4, high4, high, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3);
        StoreRows<TRows>(sums0, sums1, 8, a0, b0, a1, b1, a2, b2, a3, b3);
    }

    /// <summary>One vector position of two groups: each unpacked once, then 2 dot products per x-row sharing its broadcast.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepQ4KPairRows<TRows>(byte* qs0, byte* qs1, sbyte* x, int k, Vector256<byte> low4, Vector256<byte> high4, bool high,
        ref Vector256<int> a0, ref Vector256<int> b0, ref Vector256<int> a1, ref Vector256<int> b1,
        ref Vector256<int> a2, ref Vector256<int> b2, ref Vector256<int> a3, ref Vector256<int> b3)
        where TRows : struct, IRowCount
    {
        Vector256<byte> v0 = Vector256.Load(qs0), v1 = Vector256.Load(qs1);
        Vector256<byte> w0 = high ? HighK(v0, low4, high4) : v0 & low4, w1 = high ? HighK(v1, low4, high4) : v1 & low4;
        Vector256<sbyte> b = Broadcast(x);
        a0 = TDot.Dot(a0, w0, b);
        b0 = TDot.Dot(b0, w1, b);
        b = Broadcast(x + k);
        a1 = TDot.Dot(a1, w0, b);
        b1 = TDot.Dot(b1, w1, b);
        if (TRows.Count > 2)
        {
            b = Broadcast(x + (2 * k));
            a2 = TDot.Dot(a2, w0, b);
            b2 = TDot.Dot(b2, w1, b);
        }
        if (TRows.Count > 3)
        {
            b = Broadcast(x + (3 * k));
            a3 = TDot.Dot(a3, w0, b);
            b3 = TDot.Dot(b3, w1, b);
        }
    }

    /// <summary>
    /// Sub-blocks 2c and 2c+1 of 8 rows against every x-row (x-row i at x + i·k) into sums[8i], sums[8i + 1].
    /// Not inlined: the 4 chunks' 256 dot products in one method ran the JIT out of inlining budget
    /// (72 calls per super-block, among them Broadcast and Dot, and 389 stack moves).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ChunkQ4KRows<TRows>(byte* qs, sbyte* x, int k, Vector256<int>* sums)
        where TRows : struct, IRowCount
    {
        Vector256<byte> low4 = Vector256.Create((byte)0x0F), high4 = Vector256.Create((byte)0xF0);
        Vector256<int> l0 = Vector256<int>.Zero, h0 = Vector256<int>.Zero, l1 = Vector256<int>.Zero, h1 = Vector256<int>.Zero;
        Vector256<int> l2 = Vector256<int>.Zero, h2 = Vector256<int>.Zero, l3 = Vector256<int>.Zero, h3 = Vector256<int>.Zero;
        // Vector v holds values 4v..4v+3 of both sub-blocks for the 8 rows. Written out (the JIT does not unroll).
        StepQ4KRows<TRows>(qs, x, k, low4, high4, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
        StepQ4KRows<TRows>(qs + 32, x + 4, k, low4, high4, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
        StepQ4KRows<TRows>(qs + 64, x + 8, k, low4, high4, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
        StepQ4KRows<TRows>(qs + 96, x + 12, k, low4, high4, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
        StepQ4KRows<TRows>(qs + 128, x + 16, k, low4, high4, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
        StepQ4KRows<TRows>(qs + 160, x + 20, k, low4, high4, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
        StepQ4KRows<TRows>(qs + 192, x + 24, k, low4, high4, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
        StepQ4KRows<TRows>(qs + 224, x + 28, k, low4, high4, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
        StoreRows<TRows>(sums, sums + 1, 8, l0, h0, l1, h1, l2, h2, l3, h3);
    }

    /// <summary>One vector of packed nibbles (4 values of 8 rows in each nibble) into every x-row's low and high chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepQ4KRows<TRows>(byte* qs, sbyte* x, int k, Vector256<byte> low4, Vector256<byte> high4,
        ref Vector256<int> l0, ref Vector256<int> h0, ref Vector256<int> l1, ref Vector256<int> h1,
        ref Vector256<int> l2, ref Vector256<int> h2, ref Vector256<int> l3, ref Vector256<int> h3)
        where TRows : struct, IRowCount
    {
        Vector256<byte> v = Vector256.Load(qs);
        DotRows<TRows>(v & low4, HighK(v, low4, high4), x, k, 32, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
    }

    /// <summary>
    /// Σ_j m_j·xs_j over a super-block's 8 sub-blocks for 8 rows (mins[j]: m_j as floats), in two chains
    /// (even and odd j) added at the end: the order every Q4_K float step keeps, so batched rows and
    /// one-row calls agree bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MinsQ4K(Vector256<float>* mins, float* xs)
    {
        Vector256<float> even = mins[0] * Vector256.Create(xs[0]), odd = mins[1] * Vector256.Create(xs[1]);
        even = MulAdd(mins[2], Vector256.Create(xs[2]), even);
        odd = MulAdd(mins[3], Vector256.Create(xs[3]), odd);
        even = MulAdd(mins[4], Vector256.Create(xs[4]), even);
        odd = MulAdd(mins[5], Vector256.Create(xs[5]), odd);
        even = MulAdd(mins[6], Vector256.Create(xs[6]), even);
        odd = MulAdd(mins[7], Vector256.Create(xs[7]), odd);
        return even + odd;
    }
}
