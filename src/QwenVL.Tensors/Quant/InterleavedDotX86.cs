// The x86 kernels over the 8-row interleaved Q8_0x8 / Q4_0x8 layout (InterleavedDot.cs has the
// interface and the scalar definition they are tested against): 256-bit integer dot products
// (AVX-VNNI vpdpbusd, or AVX2 vpmaddubsw + vpmaddwd), one activation row against 4 or 8 groups in
// step (decode), or 4 activation rows against one group (prefill on the exact backend). No 512-bit
// form for Q8_0/Q4_0: .NET exposes no 512-bit vpdpbusd (Q4_K's generated one: InterleavedDotX86.Zmm.cs).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

/// <summary>
/// AVX2 / AVX-VNNI kernels. Per block and group: the chunks of 32 bytes are loaded once, each 4-byte
/// group of x is broadcast to the 8 lanes; two integer chains (low and high nibbles, or the first and
/// second 16 values) halve the multiply-add latency chain; one scale vector serves 8 rows.
/// </summary>
internal readonly unsafe partial struct X86InterleavedDot<TDot> : IInterleavedDot
    where TDot : struct, IByteDot
{
    private const int Q8 = 8 * BlockFormats.Q8_0Bytes, Q4 = 8 * BlockFormats.Q4_0Bytes;

    // Software prefetch distance per stream: about 1.1 KB ahead, 4 Q8_0 blocks (1088 bytes) or 8 Q4_0
    // blocks (1152 bytes) of 8 rows; the hardware prefetcher alone left one thread's 4 streams short of
    // the read rate (RowInterleave.cs notes). Q4_0 at 4 blocks (576 bytes) was 5–8% slower over a 3B
    // model's 252 decode matvecs (paired runs); 12, 16 or 24 blocks, or prefetcht1, gained nothing more.
    private const int PrefetchQ8 = 4 * Q8, PrefetchQ4 = 8 * Q4;

    // The AVX2 4-x-row kernels reading a group from memory (batched decode: 2–4 x-rows) prefetch 16
    // blocks ahead (4352 / 2304 bytes): their arithmetic is ~4× the one-row kernels', so a nearer
    // prefetch arrived late. 2 threads, 4 x-rows, 2048 × 11008 from memory on the AMD EPYC (medians of
    // 19–29 alternating rounds): Q4_0 1.22 ms without, 1.10 at 8 blocks, 1.00 at 16, 0.94–1.03 at 24–32;
    // Q8_0 2.00 without, 1.66 at 8, 1.56 at 16.
    private const int PrefetchQ8x4 = 16 * Q8, PrefetchQ4x4 = 16 * Q4;

    // The one-row loops below keep every loop-invariant vector in a register: the 8 broadcast
    // 4-byte groups of x are shared by the 4 or 8 streams, and the mask or bias and the f16
    // conversion constants are created once per call. Created inside the per-block step, the JIT
    // re-broadcast x and re-read the constants from memory for every stream (about 62 instructions
    // per stream and block for Q4_0; about 40 here). Decode from memory did not get faster (paired runs over a 3B
    // model's matvecs: 0.99–1.01; a variant with loads only ran no faster either: the reads bound
    // it); what the change buys is issue slots for whatever shares the core.

    // The four one-row entry points are never inlined into their callers: compiled on their own,
    // each gets the whole loop with every Row and Sum inlined (64 vpdpbusd and no calls per 8-stream
    // block). Inlined into the decode walk, which holds all four, they ran the JIT out of inlining
    // budget and RowQ8/SumQ8 became calls per block and group (45% of a Q8_0 decode's samples).

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Q8_0w4(byte* g0, byte* g1, byte* g2, byte* g3, int blocks, sbyte* q, float* d, int* o, float* results) =>
        Streams4<Q8Rows>(g0, g1, g2, g3, blocks, q, d, o, results);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Q4_0w4(byte* g0, byte* g1, byte* g2, byte* g3, int blocks, sbyte* q, float* d, int* o, float* results) =>
        Streams4<Q4Rows>(g0, g1, g2, g3, blocks, q, d, o, results);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Q8_0w8(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results) =>
        Streams8<Q8Rows>(g, step, blocks, q, d, o, results);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Q4_0w8(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results) =>
        Streams8<Q4Rows>(g, step, blocks, q, d, o, results);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Q8_0w2(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results) =>
        Streams2<Q8Rows>(g, step, blocks, q, d, o, results);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Q4_0w2(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        if (!TDot.WideProducts)
        {
            Q4PairsW2(g, step, blocks, q, d, o, results); // AVX2: int16 sums, InterleavedDotX86.Q4Avx2.cs
            return;
        }
        Streams2<Q4Rows>(g, step, blocks, q, d, o, results);
    }

    /// <summary>One activation row against 2 groups <paramref name="step"/> bytes apart, in step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Streams2<TFormat>(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
        where TFormat : struct, IRowFormat
    {
        // One accumulator per stream, like Streams4: a second x (even and odd blocks) spilled the
        // 16 ymm registers to the stack.
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        var f16 = new F16Scales();
        Vector256<byte> constant = TFormat.Constant;
        int bytes = TFormat.Bytes;
        for (int b = 0; b < blocks; b++, g += bytes, q += 32)
        {
            var x = new XQuads(q);
            Vector256<int> seed = TFormat.Seed(o + b);
            Vector256<float> dx = Vector256.Create(d[b]);
            a0 = TFormat.Row(g, x, seed, dx, constant, f16, a0);
            a1 = TFormat.Row(g + step, x, seed, dx, constant, f16, a1);
        }
        a0.Store(results);
        a1.Store(results + 8);
    }

    /// <summary>One activation row against 4 groups in step, one block of each per iteration.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Streams4<TFormat>(byte* g0, byte* g1, byte* g2, byte* g3, int blocks, sbyte* q, float* d, int* o, float* results)
        where TFormat : struct, IRowFormat
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        Vector256<float> a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        var f16 = new F16Scales();
        Vector256<byte> constant = TFormat.Constant;
        int bytes = TFormat.Bytes;
        for (int b = 0; b < blocks; b++, g0 += bytes, g1 += bytes, g2 += bytes, g3 += bytes, q += 32)
        {
            var x = new XQuads(q);
            Vector256<int> seed = TFormat.Seed(o + b);
            Vector256<float> dx = Vector256.Create(d[b]);
            a0 = TFormat.Row(g0, x, seed, dx, constant, f16, a0);
            a1 = TFormat.Row(g1, x, seed, dx, constant, f16, a1);
            a2 = TFormat.Row(g2, x, seed, dx, constant, f16, a2);
            a3 = TFormat.Row(g3, x, seed, dx, constant, f16, a3);
        }
        Store4(results, a0, a1, a2, a3);
    }

    /// <summary>One activation row against 8 groups <paramref name="step"/> bytes apart, in step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Streams8<TFormat>(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
        where TFormat : struct, IRowFormat
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero, a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        Vector256<float> a4 = Vector256<float>.Zero, a5 = Vector256<float>.Zero, a6 = Vector256<float>.Zero, a7 = Vector256<float>.Zero;
        var f16 = new F16Scales();
        Vector256<byte> constant = TFormat.Constant;
        int bytes = TFormat.Bytes;
        nint s2 = 2 * step, s3 = 3 * step, s4 = 4 * step, s5 = 5 * step, s6 = 6 * step, s7 = 7 * step;
        for (int b = 0; b < blocks; b++, g += bytes, q += 32)
        {
            var x = new XQuads(q);
            Vector256<int> seed = TFormat.Seed(o + b);
            Vector256<float> dx = Vector256.Create(d[b]);
            a0 = TFormat.Row(g, x, seed, dx, constant, f16, a0);
            a1 = TFormat.Row(g + step, x, seed, dx, constant, f16, a1);
            a2 = TFormat.Row(g + s2, x, seed, dx, constant, f16, a2);
            a3 = TFormat.Row(g + s3, x, seed, dx, constant, f16, a3);
            a4 = TFormat.Row(g + s4, x, seed, dx, constant, f16, a4);
            a5 = TFormat.Row(g + s5, x, seed, dx, constant, f16, a5);
            a6 = TFormat.Row(g + s6, x, seed, dx, constant, f16, a6);
            a7 = TFormat.Row(g + s7, x, seed, dx, constant, f16, a7);
        }
        Store4(results, a0, a1, a2, a3);
        Store4(results + 32, a4, a5, a6, a7);
    }

    /// <summary>One Q4_0x8 block of one group against the block's x: acc + d_w·d_x·Σ per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> RowQ4(byte* g, XQuads x, Vector256<int> seed, Vector256<float> dx, Vector256<byte> m,
        F16Scales f16, Vector256<float> acc)
    {
        Sse.Prefetch0(g + PrefetchQ4);
        Sse.Prefetch0(g + PrefetchQ4 + 64);
        Sse.Prefetch0(g + PrefetchQ4 + 128);
        Vector256<byte> c0 = Vector256.Load(g + 16), c1 = Vector256.Load(g + 48);
        Vector256<byte> c2 = Vector256.Load(g + 80), c3 = Vector256.Load(g + 112);
        Vector256<int> sums = SumQ4(c0 & m, c1 & m, c2 & m, c3 & m, High(c0, m), High(c1, m), High(c2, m), High(c3, m), x, seed);
        return Accumulate(sums, f16.Load(g) * dx, acc);
    }

    /// <summary>One Q8_0x8 block of one group against the block's x: acc + d_w·d_x·Σ per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> RowQ8(byte* g, XQuads x, Vector256<int> seed, Vector256<float> dx, Vector256<byte> bias,
        F16Scales f16, Vector256<float> acc)
    {
        Sse.Prefetch0(g + PrefetchQ8);
        Sse.Prefetch0(g + PrefetchQ8 + 64);
        Sse.Prefetch0(g + PrefetchQ8 + 128);
        Sse.Prefetch0(g + PrefetchQ8 + 192);
        Sse.Prefetch0(g + PrefetchQ8 + 256);
        return Accumulate(SumQ8(g, x, seed, bias), f16.Load(g) * dx, acc);
    }

    /// <summary>A block's 32 int8 activations as 8 vectors, each one 4-byte group repeated in every lane.</summary>
    private readonly struct XQuads
    {
        public readonly Vector256<sbyte> X0, X1, X2, X3, X4, X5, X6, X7;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public XQuads(sbyte* x)
        {
            X0 = Broadcast(x);
            X1 = Broadcast(x + 4);
            X2 = Broadcast(x + 8);
            X3 = Broadcast(x + 12);
            X4 = Broadcast(x + 16);
            X5 = Broadcast(x + 20);
            X6 = Broadcast(x + 24);
            X7 = Broadcast(x + 28);
        }
    }

    /// <summary>
    /// The 8 rows' Q4_0/Q8_0 block scales to float32 in 3 operations: sign-extend each half to 32
    /// bits, shift left 13 (exponent and mantissa land in float position, the sign in bits 31..28),
    /// clear bits 30..28, then rebias the 5-bit exponent by 2^112. Exact for normal and subnormal
    /// halves, like X86QuantDot.WeightScales; Q4_0/Q8_0 scales are never inf or NaN. A subnormal half
    /// becomes a subnormal float operand, which costs an Intel core a microcode assist: a matrix of
    /// nothing but such scales ran 8× slower. They need a 32-value block whose largest weight is
    /// under 4.9e-4 (Q4_0) or 7.8e-3 (Q8_0), so they are rare, while the assist-free conversion
    /// (SuperBlockScales) run on every block cost Q4_0 matvecs 9.5% from cache and 2% from memory,
    /// Q8_0 5% from cache (paired, one process).
    /// </summary>
    private readonly struct F16Scales
    {
        private readonly Vector256<int> _keep;
        private readonly Vector256<float> _rebias;

        public F16Scales()
        {
            _keep = Vector256.Create(unchecked((int)0x8FFF_FFFF));
            _rebias = Vector256.Create(5.192297e33f); // 2^112
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Load(byte* g) =>
            (Vector256.ShiftLeft(Avx2.ConvertToVector256Int32((short*)g), 13) & _keep).AsSingle() * _rebias;
    }

    /// <summary>
    /// The 8 rows' K-quant super-block scales (d, dmin) to float32 with BlockFormats.HalfToFloat,
    /// which never makes a subnormal float operand. Q6_K's d is a subnormal half whenever a
    /// super-block's largest weight is under about 0.25, which is most of them in a model's
    /// weights: with the 3-operation F16Scales trick a 3B Q4_K_M's Q6_K lm_head read 23 GB/s where
    /// it now reads 30-34, and its decode went from 0.76 to 0.86 of the read rate. Once per
    /// 256 values, the extra operations cost Q4_K matvecs with only normal scales about 3.5% from
    /// cache (one thread, paired).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SuperBlockScales(byte* g) => BlockFormats.HalfToFloat(Avx2.ConvertToVector256Int32((short*)g));

    /// <remarks>Only the AVX2 form prefetches for <paramref name="fromMemory"/>; the VNNI forms were not re-timed with it.</remarks>
    public static void Q8_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results, bool fromMemory)
    {
        if (!TDot.WideProducts)
        {
            Q8x4Signs(g, blocks, q, d, qStride, dStride, results, fromMemory);
            return;
        }
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        Vector256<float> a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        nint q1 = qStride, q2 = 2 * q1, q3 = 3 * q1;
        nint o1 = dStride, o2 = 2 * o1, o3 = 3 * o1;
        var f16 = new F16Scales();
        Vector256<byte> bias = Vector256.Create((byte)0x80);
        for (int b = 0; b < blocks; b++, g += Q8, q += 32, d++, o++)
        {
            // The weight scales are converted once and used by the 4 activation rows.
            Vector256<float> dw = f16.Load(g);
            a0 = Accumulate(SumQ8(g, new XQuads(q), SeedQ8(o), bias), dw * Vector256.Create(d[0]), a0);
            a1 = Accumulate(SumQ8(g, new XQuads(q + q1), SeedQ8(o + o1), bias), dw * Vector256.Create(d[o1]), a1);
            a2 = Accumulate(SumQ8(g, new XQuads(q + q2), SeedQ8(o + o2), bias), dw * Vector256.Create(d[o2]), a2);
            a3 = Accumulate(SumQ8(g, new XQuads(q + q3), SeedQ8(o + o3), bias), dw * Vector256.Create(d[o3]), a3);
        }
        Store4(results, a0, a1, a2, a3);
    }

    /// <summary>
    /// <see cref="Q8_0x4"/> on AVX2 (the sign trick, no offset), one weight vector at a time: its
    /// |w| is formed once for the 4 x-rows and only 4 int32 sums stay live. Written per x-row like
    /// the VNNI form, the JIT kept 4 sets of 8 broadcast x vectors and spilled them to the stack
    /// (150 stack accesses in the loop; 2 threads ran a 64 × 2048 · 2048 × 11008 product at 50 GFLOP/s).
    /// </summary>
    private static void Q8x4Signs(byte* g, int blocks, sbyte* q, float* d, int qStride, int dStride, float* results, bool fromMemory)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        Vector256<float> a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        sbyte* x1 = q + qStride, x2 = q + (2 * (nint)qStride), x3 = q + (3 * (nint)qStride);
        nint o1 = dStride, o2 = 2 * o1, o3 = 3 * o1;
        var f16 = new F16Scales();
        for (int b = 0; b < blocks; b++, g += Q8, q += 32, x1 += 32, x2 += 32, x3 += 32, d++)
        {
            if (fromMemory)
            {
                Prefetch5(g + PrefetchQ8x4); // Q8_0x8's 272-byte block
            }
            Vector256<int> s0 = Vector256<int>.Zero, s1 = Vector256<int>.Zero, s2 = Vector256<int>.Zero, s3 = Vector256<int>.Zero;
            SignStep(g + 16, 0, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            SignStep(g + 48, 4, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            SignStep(g + 80, 8, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            SignStep(g + 112, 12, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            SignStep(g + 144, 16, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            SignStep(g + 176, 20, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            SignStep(g + 208, 24, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            SignStep(g + 240, 28, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            Vector256<float> dw = f16.Load(g);
            a0 = Accumulate(s0, dw * Vector256.Create(d[0]), a0);
            a1 = Accumulate(s1, dw * Vector256.Create(d[o1]), a1);
            a2 = Accumulate(s2, dw * Vector256.Create(d[o2]), a2);
            a3 = Accumulate(s3, dw * Vector256.Create(d[o3]), a3);
        }
        Store4(results, a0, a1, a2, a3);
    }

    /// <summary>
    /// <see cref="Q4_0x4"/> on AVX2, one packed vector at a time: its nibbles are unpacked once for the
    /// 4 x-rows, and each x-row's 8 vpmaddubsw results of a block are summed in int16 (at most
    /// 8 · 2 · 15 · 127 = 30480) and widened by one vpmaddwd: 9 multiplies per block and x-row, not 16.
    /// </summary>
    private static void Q4x4Pairs(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results, bool fromMemory)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        Vector256<float> a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        sbyte* x1 = q + qStride, x2 = q + (2 * (nint)qStride), x3 = q + (3 * (nint)qStride);
        nint o1 = dStride, o2 = 2 * o1, o3 = 3 * o1;
        Vector256<byte> m = Vector256.Create((byte)0x0F);
        Vector256<short> ones = Vector256.Create((short)1);
        var f16 = new F16Scales();
        for (int b = 0; b < blocks; b++, g += Q4, q += 32, x1 += 32, x2 += 32, x3 += 32, d++, o++)
        {
            if (fromMemory)
            {
                Prefetch3(g + PrefetchQ4x4); // Q4_0x8's 144-byte block
            }
            Vector256<short> s0 = Vector256<short>.Zero, s1 = Vector256<short>.Zero, s2 = Vector256<short>.Zero, s3 = Vector256<short>.Zero;
            PairStep(g + 16, 0, m, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            PairStep(g + 48, 4, m, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            PairStep(g + 80, 8, m, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            PairStep(g + 112, 12, m, q, x1, x2, x3, ref s0, ref s1, ref s2, ref s3);
            Vector256<float> dw = f16.Load(g);
            a0 = Accumulate(Seed(o) + Avx2.MultiplyAddAdjacent(s0, ones), dw * Vector256.Create(d[0]), a0);
            a1 = Accumulate(Seed(o + o1) + Avx2.MultiplyAddAdjacent(s1, ones), dw * Vector256.Create(d[o1]), a1);
            a2 = Accumulate(Seed(o + o2) + Avx2.MultiplyAddAdjacent(s2, ones), dw * Vector256.Create(d[o2]), a2);
            a3 = Accumulate(Seed(o + o3) + Avx2.MultiplyAddAdjacent(s3, ones), dw * Vector256.Create(d[o3]), a3);
        }
        Store4(results, a0, a1, a2, a3);
    }

    /// <summary>Packed vector c (values 4c.. low, 16 + 4c.. high, of 8 rows) against the 4 x-rows, into int16 sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairStep(byte* wv, int j, Vector256<byte> m, sbyte* x0, sbyte* x1, sbyte* x2, sbyte* x3,
        ref Vector256<short> s0, ref Vector256<short> s1, ref Vector256<short> s2, ref Vector256<short> s3)
    {
        Vector256<byte> v = Vector256.Load(wv);
        Vector256<byte> low = v & m, high = High(v, m);
        s0 += Avx2.MultiplyAddAdjacent(low, Broadcast(x0 + j)) + Avx2.MultiplyAddAdjacent(high, Broadcast(x0 + j + 16));
        s1 += Avx2.MultiplyAddAdjacent(low, Broadcast(x1 + j)) + Avx2.MultiplyAddAdjacent(high, Broadcast(x1 + j + 16));
        s2 += Avx2.MultiplyAddAdjacent(low, Broadcast(x2 + j)) + Avx2.MultiplyAddAdjacent(high, Broadcast(x2 + j + 16));
        s3 += Avx2.MultiplyAddAdjacent(low, Broadcast(x3 + j)) + Avx2.MultiplyAddAdjacent(high, Broadcast(x3 + j + 16));
    }

    /// <summary>One 32-byte weight vector (values j..j+3 of 8 rows) against the 4 x-rows' x[j..j+3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SignStep(byte* wv, int j, sbyte* x0, sbyte* x1, sbyte* x2, sbyte* x3,
        ref Vector256<int> s0, ref Vector256<int> s1, ref Vector256<int> s2, ref Vector256<int> s3)
    {
        Vector256<sbyte> w = Vector256.Load((sbyte*)wv);
        Vector256<byte> a = Avx2.Abs(w);
        Vector256<short> ones = Vector256.Create((short)1);
        s0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, Avx2.Sign(Broadcast(x0 + j), w)), ones);
        s1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, Avx2.Sign(Broadcast(x1 + j), w)), ones);
        s2 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, Avx2.Sign(Broadcast(x2 + j), w)), ones);
        s3 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, Avx2.Sign(Broadcast(x3 + j), w)), ones);
    }

    /// <remarks>Only the AVX2 form prefetches for <paramref name="fromMemory"/>, as for <see cref="Q8_0x4"/>.</remarks>
    public static void Q4_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results, bool fromMemory)
    {
        if (!TDot.WideProducts)
        {
            Q4x4Pairs(g, blocks, q, d, o, qStride, dStride, results, fromMemory);
            return;
        }
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        Vector256<float> a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        nint q1 = qStride, q2 = 2 * q1, q3 = 3 * q1;
        nint o1 = dStride, o2 = 2 * o1, o3 = 3 * o1;
        Vector256<byte> m = Vector256.Create((byte)0x0F);
        var f16 = new F16Scales();
        for (int b = 0; b < blocks; b++, g += Q4, q += 32, d++, o++)
        {
            // The 8 nibble vectors are unpacked once and used by the 4 activation rows.
            Vector256<byte> c0 = Vector256.Load(g + 16), c1 = Vector256.Load(g + 48);
            Vector256<byte> c2 = Vector256.Load(g + 80), c3 = Vector256.Load(g + 112);
            Vector256<byte> l0 = c0 & m, l1 = c1 & m, l2 = c2 & m, l3 = c3 & m;
            Vector256<byte> h0 = High(c0, m), h1 = High(c1, m), h2 = High(c2, m), h3 = High(c3, m);
            Vector256<float> dw = f16.Load(g);
            a0 = Accumulate(SumQ4(l0, l1, l2, l3, h0, h1, h2, h3, new XQuads(q), Seed(o)), dw * Vector256.Create(d[0]), a0);
            a1 = Accumulate(SumQ4(l0, l1, l2, l3, h0, h1, h2, h3, new XQuads(q + q1), Seed(o + o1)), dw * Vector256.Create(d[o1]), a1);
            a2 = Accumulate(SumQ4(l0, l1, l2, l3, h0, h1, h2, h3, new XQuads(q + q2), Seed(o + o2)), dw * Vector256.Create(d[o2]), a2);
            a3 = Accumulate(SumQ4(l0, l1, l2, l3, h0, h1, h2, h3, new XQuads(q + q3), Seed(o + o3)), dw * Vector256.Create(d[o3]), a3);
        }
        Store4(results, a0, a1, a2, a3);
    }

    /// <summary>
    /// Σ over a Q4_0 block for 8 rows: chunk c's low nibbles meet x[4c..4c+3], its high nibbles
    /// x[16+4c..]. The high nibbles come from <see cref="High"/>: in place on VNNI, so their chain
    /// sums 16× the products and is shifted down once here (exact: every term is a multiple of 16,
    /// and |Σ| ≤ 16 · 240 · 128 fits int32); that is 1 shift per block and group instead of 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SumQ4(Vector256<byte> l0, Vector256<byte> l1, Vector256<byte> l2, Vector256<byte> l3,
        Vector256<byte> h0, Vector256<byte> h1, Vector256<byte> h2, Vector256<byte> h3, XQuads x, Vector256<int> seed)
    {
        Vector256<int> s0 = TDot.Dot(seed, l0, x.X0);
        Vector256<int> s1 = TDot.Dot(Vector256<int>.Zero, h0, x.X4);
        s0 = TDot.Dot(s0, l1, x.X1);
        s1 = TDot.Dot(s1, h1, x.X5);
        s0 = TDot.Dot(s0, l2, x.X2);
        s1 = TDot.Dot(s1, h2, x.X6);
        s0 = TDot.Dot(s0, l3, x.X3);
        s1 = TDot.Dot(s1, h3, x.X7);
        return TDot.WideProducts ? s0 + Vector256.ShiftRightArithmetic(s1, 4) : s0 + s1;
    }

    /// <summary>Σ over a Q8_0 block for 8 rows: chunk c of the first 16 values meets x[4c..], of the last 16 x[16+4c..].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SumQ8(byte* g, XQuads x, Vector256<int> seed, Vector256<byte> bias)
    {
        Vector256<sbyte> w0 = Vector256.Load((sbyte*)(g + 16)), w4 = Vector256.Load((sbyte*)(g + 144));
        Vector256<int> s0 = TDot.AddQ8(seed, TDot.PrepareQ8(w0, bias), w0, x.X0);
        Vector256<int> s1 = TDot.AddQ8(Vector256<int>.Zero, TDot.PrepareQ8(w4, bias), w4, x.X4);
        Vector256<sbyte> w1 = Vector256.Load((sbyte*)(g + 48)), w5 = Vector256.Load((sbyte*)(g + 176));
        s0 = TDot.AddQ8(s0, TDot.PrepareQ8(w1, bias), w1, x.X1);
        s1 = TDot.AddQ8(s1, TDot.PrepareQ8(w5, bias), w5, x.X5);
        Vector256<sbyte> w2 = Vector256.Load((sbyte*)(g + 80)), w6 = Vector256.Load((sbyte*)(g + 208));
        s0 = TDot.AddQ8(s0, TDot.PrepareQ8(w2, bias), w2, x.X2);
        s1 = TDot.AddQ8(s1, TDot.PrepareQ8(w6, bias), w6, x.X6);
        Vector256<sbyte> w3 = Vector256.Load((sbyte*)(g + 112)), w7 = Vector256.Load((sbyte*)(g + 240));
        s0 = TDot.AddQ8(s0, TDot.PrepareQ8(w3, bias), w3, x.X3);
        s1 = TDot.AddQ8(s1, TDot.PrepareQ8(w7, bias), w7, x.X7);
        return s0 + s1;
    }

    /// <summary>The 4 accumulators' 8 lanes each to results[0..32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* results, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
    {
        a0.Store(results);
        a1.Store(results + 8);
        a2.Store(results + 16);
        a3.Store(results + 24);
    }

    /// <summary>
    /// The high nibbles for <see cref="SumQ4"/>: left in place (packed &amp; ~mask, one vpandn) where the
    /// dot has no int16 step; shifted down on AVX2, whose vpmaddubsw would saturate 2 · 240 · 127.
    /// Over a 3B model's Q4_0 decode matvecs the in-place form ran 2–4% faster (paired runs, 2 threads).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> High(Vector256<byte> packed, Vector256<byte> mask) =>
        TDot.WideProducts ? Avx2.AndNot(mask, packed) : Vector256.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & mask;

    /// <summary>Four bytes of x repeated in every 32-bit lane (vpbroadcastd from memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Broadcast(sbyte* x) => Vector256.Create(*(int*)x).AsSByte();

    /// <summary>The block's −8·Σx in every lane: each lane is a whole row's sum of (nibble − 8)·x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Seed(int* offset) => Vector256.Create(*offset);

    /// <summary>−128·Σx in every lane where the ISA biases Q8_0 weights to unsigned bytes, else zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SeedQ8(int* offset) => TDot.Q8UsesOffset ? Vector256.Create(*offset) : Vector256<int>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(Vector256<int> sums, Vector256<float> scale, Vector256<float> acc)
    {
        Vector256<float> f = Avx.ConvertToVector256Single(sums);
        return Fma.IsSupported ? Fma.MultiplyAdd(f, scale, acc) : Avx.Add(Avx.Multiply(f, scale), acc);
    }

    /// <summary>What differs between Q8_0x8 and Q4_0x8 in the one-row loops.</summary>
    private interface IRowFormat
    {
        /// <summary>Bytes of one block of a group (8 rows).</summary>
        static abstract int Bytes { get; }

        /// <summary>The loop-invariant byte vector <see cref="Row"/> needs: Q4_0's nibble mask, Q8_0's 0x80 bias.</summary>
        static abstract Vector256<byte> Constant { get; }

        static abstract Vector256<int> Seed(int* offset);

        static abstract Vector256<float> Row(byte* g, XQuads x, Vector256<int> seed, Vector256<float> dx, Vector256<byte> constant,
            F16Scales f16, Vector256<float> acc);
    }

    private readonly struct Q8Rows : IRowFormat
    {
        public static int Bytes => Q8;

        public static Vector256<byte> Constant => Vector256.Create((byte)0x80);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Seed(int* offset) => SeedQ8(offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Row(byte* g, XQuads x, Vector256<int> seed, Vector256<float> dx, Vector256<byte> constant,
            F16Scales f16, Vector256<float> acc) => RowQ8(g, x, seed, dx, constant, f16, acc);
    }

    private readonly struct Q4Rows : IRowFormat
    {
        public static int Bytes => Q4;

        public static Vector256<byte> Constant => Vector256.Create((byte)0x0F);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Seed(int* offset) => X86InterleavedDot<TDot>.Seed(offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Row(byte* g, XQuads x, Vector256<int> seed, Vector256<float> dx, Vector256<byte> constant,
            F16Scales f16, Vector256<float> acc) => RowQ4(g, x, seed, dx, constant, f16, acc);
    }
}
