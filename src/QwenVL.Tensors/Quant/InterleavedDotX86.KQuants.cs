// The x86 one-row kernels over Q4_Kx8 / Q6_Kx8 (RowInterleave.cs; ScalarInterleavedDot is the
// definition): one activation row against up to 8 groups of 8 rows, one super-block of each group in
// turn. Per sub-block the integer sums use the same byte dot as Q4_0 (vpdpbusd, or vpmaddubsw +
// vpmaddwd); the 6-bit scales and mins are unpacked for 8 rows at once and applied in float32. Under
// Vnni512ByteDot, pairs of groups take the 512-bit path (InterleavedDotX86.Zmm.cs); 2-4 x-rows
// have their own kernels (InterleavedDotX86.KQuantRows.cs), prefill runs on the GEMMs with dequantized panels.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

internal readonly unsafe partial struct X86InterleavedDot<TDot>
{
    private const int Q4K = 8 * 144, Q6K = 8 * 210;

    /// <summary>
    /// Per super-block and group, in two phases: the integer sums of the 8 sub-blocks (4 chunks of 8
    /// vectors: sub-block 2c from the low nibbles, 2c+1 from the high ones, in place on VNNI so their
    /// scale takes the 1/16) go to a stack buffer; then 3 loads unpack the 8 rows' 6-bit scales and mins
    /// (ggml's 12-byte packing, lane r = row r) and acc += d·Σ sc·dx·S − dmin·Σ m·xs in two chains each
    /// (even and odd sub-blocks; 3% faster than one chain of 8, paired, one thread from L2). Done in one pass,
    /// the scale vectors stayed live through the dots and pushed the chains into ymm16-31, which VEX
    /// vpdpbusd cannot address: two register moves per dot, and one-thread matvecs from L2 at 0.54 of
    /// Q4_0's bytes per second (0.67 in two phases, 0.71 with the 0xF0 mask in a register; paired runs).
    /// The group's accumulators live in <paramref name="results"/> (one load and store per 1152 bytes).
    /// AVX2 without VNNI takes every super-block, pairs of groups and an odd last one, through
    /// <see cref="Q4KRowsSuperBlockAvx2{TRows, TGroups}"/> at one x-row instead (InterleavedDotX86.Q4KAvx2.cs).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit] // the stack buffers are written before read
    private static void Q4KOneRow(byte** groups, int streams, int superBlocks, sbyte* q, float* d, float* xs, float* results)
    {
        for (int s = 0; s < streams; s++)
        {
            Vector256<float>.Zero.Store(results + (8 * s));
        }
        Vector256<int>* sums = stackalloc Vector256<int>[TDot.WideProducts ? 8 : 40]; // AVX2 pairs: the second group's at 32
        Vector256<short>* sc = stackalloc Vector256<short>[16]; // AVX2 only: two groups' int16 scales
        Vector256<float>* mins = stackalloc Vector256<float>[16]; // and their mins as floats
        Vector512<int>* wide = stackalloc Vector512<int>[TDot.ZmmKQuants ? 8 * 4 : 1];
        byte** at = stackalloc byte*[8];
        // Pairs of groups go through the 512-bit path (InterleavedDotX86.Zmm.cs); an odd last one stays here.
        int pairs = TDot.ZmmKQuants ? streams / 2 : 0;
        Vector256<byte> low4 = Vector256.Create((byte)0x0F), high4 = Vector256.Create((byte)0xF0);
        float highScale = TDot.WideProducts ? 1f / 16 : 1f;
        for (int sb = 0; sb < superBlocks; sb++, q += 256, d += 8, xs += 8)
        {
            nint offset = (nint)sb * Q4K;
            if (pairs > 0)
            {
                Q4KZmm<OneRow>(groups, pairs, offset, at, q, 0, wide, d, xs, results); // k is unused with one x-row
            }
            int first = 2 * pairs;
            if (!TDot.WideProducts)
            {
                // AVX2: two groups at a time share x's broadcasts (the batched kernel at one x-row; k is
                // unused). 2048 × 11008 from memory, 2 threads, AMD EPYC: 16.7 GB/s against 15.8 one group
                // at a time, 37.4 against 36.0 from L3 (medians of 31 alternating rounds).
                for (; first + 1 < streams; first += 2)
                {
                    Q4KRowsSuperBlockAvx2<OneRow, TwoGroups>(groups[first] + offset, groups[first + 1] + offset, q, 0, sums, sc, mins, d, xs,
                        results + (8 * first));
                }
            }
            for (int s = first; s < streams; s++)
            {
                byte* g = groups[s] + offset;
                if (!TDot.WideProducts)
                {
                    Q4KRowsSuperBlockAvx2<OneRow, OneGroup>(g, g, q, 0, sums, sc, mins, d, xs, results + (8 * s));
                    continue;
                }
                // The next super-block of this group: 3 lines before each chunk and the last 6 before the
                // scales are applied, so memory keeps reading through that step (3-4% faster than 5 lines
                // before each chunk, which read 6-8% faster than all 18 at once; paired runs, 2 threads).
                Prefetch3(g + Q4K);
                ChunkQ4K(g + 128, q, low4, high4, sums);
                Prefetch3(g + Q4K + 192);
                ChunkQ4K(g + 384, q + 64, low4, high4, sums + 2);
                Prefetch3(g + Q4K + 384);
                ChunkQ4K(g + 640, q + 128, low4, high4, sums + 4);
                Prefetch3(g + Q4K + 576);
                ChunkQ4K(g + 896, q + 192, low4, high4, sums + 6);
                Prefetch3(g + Q4K + 768); // the last 6 lines while the scales are applied
                Prefetch3(g + Q4K + 960);
                Vector256<uint> a = Vector256.Load((uint*)(g + 32)), b = Vector256.Load((uint*)(g + 64)), c = Vector256.Load((uint*)(g + 96));
                // Sub-blocks 0-3: low 6 bits of bytes 0-3 (scales) and 4-7 (mins); 4-7: a nibble of bytes
                // 8-11 and the top 2 bits of bytes 0-3 / 4-7 (BlockFormats.ScaleMinK4).
                Vector256<uint> six = Vector256.Create(0x3F3F3F3Fu), four = Vector256.Create(0x0F0F0F0Fu), top = Vector256.Create(0x30303030u);
                Vector256<uint> scLo = a & six, scHi = (c & four) | (Vector256.ShiftRightLogical(a, 2) & top);
                // Written out: as loops, the JIT kept j in a register (variable shifts, a branch for odd j).
                // Odd sub-blocks are the high nibbles: their d carries highScale. Two chains each (even
                // and odd sub-blocks), in the order of ApplyQ4KRows, so batched rows equal this bit for bit.
                Vector256<float> even = Avx.ConvertToVector256Single(sums[0]) * (Byte(scLo, 0) * Vector256.Create(d[0]));
                Vector256<float> odd = Avx.ConvertToVector256Single(sums[1]) * (Byte(scLo, 1) * Vector256.Create(d[1] * highScale));
                even = Scaled(sums[2], Byte(scLo, 2), d[2], even);
                odd = Scaled(sums[3], Byte(scLo, 3), d[3] * highScale, odd);
                even = Scaled(sums[4], Byte(scHi, 0), d[4], even);
                odd = Scaled(sums[5], Byte(scHi, 1), d[5] * highScale, odd);
                even = Scaled(sums[6], Byte(scHi, 2), d[6], even);
                odd = Scaled(sums[7], Byte(scHi, 3), d[7] * highScale, odd);
                Vector256<uint> mLo = b & six, mHi = (Vector256.ShiftRightLogical(c, 4) & four) | (Vector256.ShiftRightLogical(b, 2) & top);
                Vector256<float> minsEven = Byte(mLo, 0) * Vector256.Create(xs[0]), minsOdd = Byte(mLo, 1) * Vector256.Create(xs[1]);
                minsEven = MulAdd(Byte(mLo, 2), Vector256.Create(xs[2]), minsEven);
                minsOdd = MulAdd(Byte(mLo, 3), Vector256.Create(xs[3]), minsOdd);
                minsEven = MulAdd(Byte(mHi, 0), Vector256.Create(xs[4]), minsEven);
                minsOdd = MulAdd(Byte(mHi, 1), Vector256.Create(xs[5]), minsOdd);
                minsEven = MulAdd(Byte(mHi, 2), Vector256.Create(xs[6]), minsEven);
                minsOdd = MulAdd(Byte(mHi, 3), Vector256.Create(xs[7]), minsOdd);
                Vector256<float> acc = MulAdd(even + odd, SuperBlockScales(g), Vector256.Load(results + (8 * s)));
                (acc - ((minsEven + minsOdd) * SuperBlockScales(g + 16))).Store(results + (8 * s));
            }
        }
    }

    /// <summary>
    /// Sub-blocks 2c and 2c+1 of 8 rows (8 vectors of packed nibbles against x[0..64)) into sums[0], sums[1].
    /// Reached with wide products only (VNNI): AVX2 takes <see cref="ChunkQ4KRowsAvx2{TRows, TGroups}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ChunkQ4K(byte* qs, sbyte* x, Vector256<byte> low4, Vector256<byte> high4, Vector256<int>* sums)
    {
        // Written out (the JIT does not unroll): constant offsets instead of index arithmetic per step.
        Vector256<int> l0 = Vector256<int>.Zero, h0 = Vector256<int>.Zero, l1 = Vector256<int>.Zero, h1 = Vector256<int>.Zero;
        StepQ4K(qs, x, low4, high4, ref l0, ref h0, ref l1, ref h1);
        StepQ4K(qs + 64, x + 8, low4, high4, ref l0, ref h0, ref l1, ref h1);
        StepQ4K(qs + 128, x + 16, low4, high4, ref l0, ref h0, ref l1, ref h1);
        StepQ4K(qs + 192, x + 24, low4, high4, ref l0, ref h0, ref l1, ref h1);
        sums[0] = l0 + l1;
        sums[1] = h0 + h1;
    }

    /// <summary>vpmaddubsw: adjacent u8·s8 products summed in pairs to int16 (AVX2 only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Pairs(Vector256<byte> u, Vector256<sbyte> s) => Avx2.MultiplyAddAdjacent(u, s);

    /// <summary>2 vectors of packed nibbles (8 values of 8 rows each) into the two low- and two high-nibble chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepQ4K(byte* qs, sbyte* x, Vector256<byte> low4, Vector256<byte> high4,
        ref Vector256<int> l0, ref Vector256<int> h0, ref Vector256<int> l1, ref Vector256<int> h1)
    {
        Vector256<byte> v0 = Vector256.Load(qs), v1 = Vector256.Load(qs + 32);
        l0 = TDot.Dot(l0, v0 & low4, Broadcast(x));
        h0 = TDot.Dot(h0, HighK(v0, low4, high4), Broadcast(x + 32));
        l1 = TDot.Dot(l1, v1 & low4, Broadcast(x + 4));
        h1 = TDot.Dot(h1, HighK(v1, low4, high4), Broadcast(x + 36));
    }

    /// <summary>
    /// Per super-block and group, in two phases like <see cref="Q4KOneRow"/>: the 16 sub-blocks' integer sums
    /// (16 values each, 4 at a time: the 4 quarters of a half that share one qh vector; each 6-bit value
    /// is its ql nibble or'ed with 2 bits of qh moved to bits 4-5, and a lane's sum starts from −32·Σq,
    /// the seed, so it needs no offset afterwards) to a stack buffer, then Σ sc·dx·S with the int8
    /// scales of 8 rows in four chains (7% faster than one chain of 16, paired), and acc += d·Σ.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit] // the stack buffers are written before read
    private static void Q6KOneRow(byte** groups, int streams, int superBlocks, sbyte* q, float* d, int* seeds, float* results)
    {
        for (int s = 0; s < streams; s++)
        {
            Vector256<float>.Zero.Store(results + (8 * s));
        }
        Vector256<int>* sums = stackalloc Vector256<int>[16];
        Vector512<int>* wide = stackalloc Vector512<int>[TDot.ZmmKQuants ? 16 * 4 : 1];
        byte** at = stackalloc byte*[8];
        int pairs = TDot.ZmmKQuants ? streams / 2 : 0;
        for (int sb = 0; sb < superBlocks; sb++, q += 256, d += 8, seeds += 16)
        {
            nint offset = (nint)sb * Q6K;
            if (pairs > 0)
            {
                Q6KZmm<OneRow>(groups, pairs, offset, at, q, 0, seeds, wide, d, results);
            }
            for (int s = 2 * pairs; s < streams; s++)
            {
                Q6KSuperBlock(groups[s] + offset, q, d, seeds, sums, results + (8 * s));
            }
        }
    }

    /// <summary>
    /// One super-block of one group into its 8 results. A method of its own: written inline in
    /// <see cref="Q6KOneRow"/> (which has stack buffers, so it is compiled once, fully optimized, with
    /// no later tier), the JIT ran out of inlining budget and left 47 helper calls (broadcasts,
    /// unpacking, scales) in the loop: 5.8 GB/s from L3 on one AMD EPYC thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Q6KSuperBlock(byte* g, sbyte* q, float* d, int* seeds, Vector256<int>* sums, float* result)
    {
        Vector256<byte> low4 = Vector256.Create((byte)0x0F), bits45 = Vector256.Create((byte)0x30);
        // Sub-block (16 values) 8h + 2k + u: half h, quarter k, values 16u.. of the quarter.
        // A quarter of the next super-block is prefetched before each quarter (PrefetchQuarterQ6K).
        PrefetchQuarterQ6K(g, 0);
        QuarterQ6K(g + 16, g + 1040, q, seeds, low4, bits45, sums);
        PrefetchQuarterQ6K(g, 1);
        QuarterQ6K(g + 144, g + 1168, q + 16, seeds + 1, low4, bits45, sums + 1);
        PrefetchQuarterQ6K(g, 2);
        QuarterQ6K(g + 528, g + 1296, q + 128, seeds + 8, low4, bits45, sums + 8);
        PrefetchQuarterQ6K(g, 3);
        QuarterQ6K(g + 656, g + 1424, q + 144, seeds + 9, low4, bits45, sums + 9);
        // Scale of sub-block j is byte j % 4 of vector j / 4 (ggml's scales[j]); its x block is j / 2.
        // Four chains (j mod 4), in the order of ApplyQ6KRows, so batched rows equal this bit for bit.
        byte* sc = g + 1552;
        Vector256<uint> v = Vector256.Load((uint*)sc);
        Vector256<float> s0 = Avx.ConvertToVector256Single(sums[0]) * (SignedByte(v, 0) * Vector256.Create(d[0]));
        Vector256<float> s1 = Avx.ConvertToVector256Single(sums[1]) * (SignedByte(v, 1) * Vector256.Create(d[0]));
        Vector256<float> s2 = Avx.ConvertToVector256Single(sums[2]) * (SignedByte(v, 2) * Vector256.Create(d[1]));
        Vector256<float> s3 = Avx.ConvertToVector256Single(sums[3]) * (SignedByte(v, 3) * Vector256.Create(d[1]));
        v = Vector256.Load((uint*)(sc + 32));
        s0 = Scaled(sums[4], SignedByte(v, 0), d[2], s0);
        s1 = Scaled(sums[5], SignedByte(v, 1), d[2], s1);
        s2 = Scaled(sums[6], SignedByte(v, 2), d[3], s2);
        s3 = Scaled(sums[7], SignedByte(v, 3), d[3], s3);
        v = Vector256.Load((uint*)(sc + 64));
        s0 = Scaled(sums[8], SignedByte(v, 0), d[4], s0);
        s1 = Scaled(sums[9], SignedByte(v, 1), d[4], s1);
        s2 = Scaled(sums[10], SignedByte(v, 2), d[5], s2);
        s3 = Scaled(sums[11], SignedByte(v, 3), d[5], s3);
        v = Vector256.Load((uint*)(sc + 96));
        s0 = Scaled(sums[12], SignedByte(v, 0), d[6], s0);
        s1 = Scaled(sums[13], SignedByte(v, 1), d[6], s1);
        s2 = Scaled(sums[14], SignedByte(v, 2), d[7], s2);
        s3 = Scaled(sums[15], SignedByte(v, 3), d[7], s3);
        MulAdd((s0 + s1) + (s2 + s3), SuperBlockScales(g), Vector256.Load(result)).Store(result);
    }

    /// <summary>
    /// Values l..l+15 of each quarter k of a half (l = 0 or 16) for 8 rows: 4 ql vectors of each 32-byte
    /// half, 4 qh vectors; quarter k's sum goes to sums[2k].
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void QuarterQ6K(byte* ql, byte* qh, sbyte* x, int* seeds, Vector256<byte> low4, Vector256<byte> bits45, Vector256<int>* sums)
    {
        Vector256<int> a0 = Vector256.Create(seeds[0]), a1 = Vector256.Create(seeds[2]);
        Vector256<int> a2 = Vector256.Create(seeds[4]), a3 = Vector256.Create(seeds[6]);
        if (!TDot.WideProducts)
        {
            // AVX2: two steps' vpmaddubsw results summed in int16 (2 · 2 · 63 · 127 = 32004 ≤ 32767),
            // then one vpmaddwd: 12 multiplies per 2 steps' 8 products instead of 16.
            PairStepsQ6K(ql, qh, x, low4, bits45, ref a0, ref a1, ref a2, ref a3);
            PairStepsQ6K(ql + 64, qh + 64, x + 8, low4, bits45, ref a0, ref a1, ref a2, ref a3);
            sums[0] = a0;
            sums[2] = a1;
            sums[4] = a2;
            sums[6] = a3;
            return;
        }
        // Written out (the JIT does not unroll): constant offsets instead of index arithmetic per step.
        StepQ6K(ql, qh, x, low4, bits45, ref a0, ref a1, ref a2, ref a3);
        StepQ6K(ql + 32, qh + 32, x + 4, low4, bits45, ref a0, ref a1, ref a2, ref a3);
        StepQ6K(ql + 64, qh + 64, x + 8, low4, bits45, ref a0, ref a1, ref a2, ref a3);
        StepQ6K(ql + 96, qh + 96, x + 12, low4, bits45, ref a0, ref a1, ref a2, ref a3);
        sums[0] = a0;
        sums[2] = a1;
        sums[4] = a2;
        sums[6] = a3;
    }

    /// <summary><see cref="StepQ6K"/> twice (values 0-3 and 4-7 from here) with int16 sums, for AVX2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairStepsQ6K(byte* ql, byte* qh, sbyte* x, Vector256<byte> low4, Vector256<byte> bits45,
        ref Vector256<int> a0, ref Vector256<int> a1, ref Vector256<int> a2, ref Vector256<int> a3)
    {
        UnpackQ6K(ql, qh, low4, bits45, out Vector256<byte> v0, out Vector256<byte> v1, out Vector256<byte> v2, out Vector256<byte> v3);
        UnpackQ6K(ql + 32, qh + 32, low4, bits45, out Vector256<byte> u0, out Vector256<byte> u1, out Vector256<byte> u2, out Vector256<byte> u3);
        Vector256<short> ones = Vector256.Create((short)1);
        a0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v0, Broadcast(x)) + Avx2.MultiplyAddAdjacent(u0, Broadcast(x + 4)), ones);
        a1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v1, Broadcast(x + 32)) + Avx2.MultiplyAddAdjacent(u1, Broadcast(x + 36)), ones);
        a2 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v2, Broadcast(x + 64)) + Avx2.MultiplyAddAdjacent(u2, Broadcast(x + 68)), ones);
        a3 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v3, Broadcast(x + 96)) + Avx2.MultiplyAddAdjacent(u3, Broadcast(x + 100)), ones);
    }

    /// <summary>The 4 byte vectors of 6-bit values (one per quarter) that 2 ql vectors and 1 qh vector hold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnpackQ6K(byte* ql, byte* qh, Vector256<byte> low4, Vector256<byte> bits45,
        out Vector256<byte> v0, out Vector256<byte> v1, out Vector256<byte> v2, out Vector256<byte> v3)
    {
        Vector256<ushort> lowHalf = Vector256.Load((ushort*)ql), highHalf = Vector256.Load((ushort*)(ql + 256));
        Vector256<ushort> hb = Vector256.Load((ushort*)qh);
        v0 = (lowHalf.AsByte() & low4) | (Vector256.ShiftLeft(hb, 4).AsByte() & bits45);
        v1 = (highHalf.AsByte() & low4) | (Vector256.ShiftLeft(hb, 2).AsByte() & bits45);
        v2 = (Vector256.ShiftRightLogical(lowHalf, 4).AsByte() & low4) | (hb.AsByte() & bits45);
        v3 = (Vector256.ShiftRightLogical(highHalf, 4).AsByte() & low4) | (Vector256.ShiftRightLogical(hb, 2).AsByte() & bits45);
    }

    /// <summary>4 values of each quarter for 8 rows: 2 ql vectors (low and high nibbles) and 1 qh vector make 4 byte vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepQ6K(byte* ql, byte* qh, sbyte* x, Vector256<byte> low4, Vector256<byte> bits45,
        ref Vector256<int> a0, ref Vector256<int> a1, ref Vector256<int> a2, ref Vector256<int> a3)
    {
        UnpackQ6K(ql, qh, low4, bits45, out Vector256<byte> v0, out Vector256<byte> v1, out Vector256<byte> v2, out Vector256<byte> v3);
        a0 = TDot.Dot(a0, v0, Broadcast(x));
        a1 = TDot.Dot(a1, v1, Broadcast(x + 32));
        a2 = TDot.Dot(a2, v2, Broadcast(x + 64));
        a3 = TDot.Dot(a3, v3, Broadcast(x + 96));
    }

    /// <summary>Like <see cref="High"/> with the 0xF0 mask in a register: vpandn kept re-reading it from memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> HighK(Vector256<byte> packed, Vector256<byte> low4, Vector256<byte> high4) =>
        TDot.WideProducts ? packed & high4 : Vector256.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low4;

    /// <summary>acc + float(sum) · scale · d, the step both K-quant kernels take per sub-block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Scaled(Vector256<int> sum, Vector256<float> scale, float d, Vector256<float> acc) =>
        MulAdd(Avx.ConvertToVector256Single(sum), scale * Vector256.Create(d), acc);

    /// <summary>Byte <paramref name="k"/> of every 32-bit lane as a float (unsigned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Byte(Vector256<uint> v, int k) =>
        Avx.ConvertToVector256Single((Vector256.ShiftRightLogical(v, 8 * k) & Vector256.Create(0xFFu)).AsInt32());

    /// <summary>Byte <paramref name="k"/> of every 32-bit lane as a float (signed: Q6_K's int8 scales).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SignedByte(Vector256<uint> v, int k) =>
        Avx.ConvertToVector256Single(Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(v, 24 - (8 * k)).AsInt32(), 24));

    /// <summary>Three consecutive lines from <paramref name="p"/> (a sixth of a Q4_K group's super-block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch3(byte* p)
    {
        Sse.Prefetch0(p);
        Sse.Prefetch0(p + 64);
        Sse.Prefetch0(p + 128);
    }

    /// <summary>Five consecutive lines from <paramref name="p"/> (a quarter of a Q4_K group's super-block, and a little more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch5(byte* p)
    {
        Sse.Prefetch0(p);
        Sse.Prefetch0(p + 64);
        Sse.Prefetch0(p + 128);
        Sse.Prefetch0(p + 192);
        Sse.Prefetch0(p + 256);
    }

    /// <summary>
    /// Quarter <paramref name="quarter"/> (420 bytes: 8 prefetches, one per 64 bytes, the last past its
    /// end) of the next super-block of the group at <paramref name="g"/> (Q6_K). As for Q4_0 (8 blocks,
    /// 1152 bytes ahead), the hardware prefetcher alone does not keep the streams fed. Spread over the
    /// 4 quarters, not all 27 lines up front: 2048 × 11008 from memory, 2 threads on the AMD EPYC,
    /// 12.0 → 17.3 GB/s (medians of 13 alternating rounds; starting ¾ or 1¼ super-blocks ahead
    /// instead of 1 moved it within ±4%).
    /// An earlier Intel measurement had favoured the up-front form, while the kernel around it still
    /// made helper calls (see Q6KSuperBlock).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchQuarterQ6K(byte* g, int quarter)
    {
        byte* p = g + Q6K + (quarter * (Q6K / 4));
        Sse.Prefetch0(p);
        Sse.Prefetch0(p + 64);
        Sse.Prefetch0(p + 128);
        Sse.Prefetch0(p + 192);
        Sse.Prefetch0(p + 256);
        Sse.Prefetch0(p + 320);
        Sse.Prefetch0(p + 384);
        Sse.Prefetch0(p + 448);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : Avx.Add(Avx.Multiply(a, b), c);
}
