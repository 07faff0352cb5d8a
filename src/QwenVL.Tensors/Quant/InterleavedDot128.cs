// The portable 128-bit kernels over the 8-row interleaved layouts (RowInterleave.cs): one vector holds
// 4 rows' int32 sums, so a group is two halves (rows 0-3, then 4-7). Each lane's 4-byte dot is ARM's
// sdot (Dp: ARMv8.2 dotprod, Apple M1 and later, Neoverse N1 and later) or, where that is missing
// (ARMv8.0, x86 held to 128 bits), a widening multiply. The float steps repeat ScalarInterleavedDot's
// operation for operation, so every result equals the definition bit for bit. A group's 8 rows are two
// vectors side by side, in one pass. Not tuned for memory streams: a call walks its groups one after
// another, with no software prefetch (ARM cores' own prefetchers follow one stream well).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors.Quant;

/// <summary>The interleaved kernels at 128 bits; <typeparamref name="TBytes"/> picks the byte dot.</summary>
internal readonly unsafe struct Vector128InterleavedDot<TBytes> : IInterleavedDot
    where TBytes : struct, IByteDot128
{
    private const int Q8 = 8 * BlockFormats.Q8_0Bytes, Q4 = 8 * BlockFormats.Q4_0Bytes, Q4K = 8 * 144, Q6K = 8 * 210;

    public static void Q8_0w4(byte* g0, byte* g1, byte* g2, byte* g3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        GroupQ8(g0, blocks, q, d, results);
        GroupQ8(g1, blocks, q, d, results + 8);
        GroupQ8(g2, blocks, q, d, results + 16);
        GroupQ8(g3, blocks, q, d, results + 24);
    }

    public static void Q4_0w4(byte* g0, byte* g1, byte* g2, byte* g3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        GroupQ4(g0, blocks, q, d, results);
        GroupQ4(g1, blocks, q, d, results + 8);
        GroupQ4(g2, blocks, q, d, results + 16);
        GroupQ4(g3, blocks, q, d, results + 24);
    }

    public static void Q8_0w8(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        for (int i = 0; i < 8; i++)
        {
            GroupQ8(g + (i * step), blocks, q, d, results + (8 * i));
        }
    }

    public static void Q4_0w8(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        for (int i = 0; i < 8; i++)
        {
            GroupQ4(g + (i * step), blocks, q, d, results + (8 * i));
        }
    }

    public static void Q8_0w2(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        GroupQ8(g, blocks, q, d, results);
        GroupQ8(g + step, blocks, q, d, results + 8);
    }

    public static void Q4_0w2(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        GroupQ4(g, blocks, q, d, results);
        GroupQ4(g + step, blocks, q, d, results + 8);
    }

    public static void Q8_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results, bool fromMemory)
    {
        for (int r = 0; r < 4; r++)
        {
            GroupQ8(g, blocks, q + ((long)r * qStride), d + ((long)r * dStride), results + (8 * r));
        }
    }

    public static void Q4_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results, bool fromMemory)
    {
        for (int r = 0; r < 4; r++)
        {
            GroupQ4(g, blocks, q + ((long)r * qStride), d + ((long)r * dStride), results + (8 * r));
        }
    }

    public static void Q4_K(byte** groups, int streams, int superBlocks, int rows, sbyte* q, float* d, float* xs, float* results)
    {
        for (int i = 0; i < rows; i++)
        {
            for (int s = 0; s < streams; s++)
            {
                GroupQ4K(groups[s], superBlocks, q + (i * 256 * superBlocks), d + (i * 8 * superBlocks),
                    xs + (i * 16 * superBlocks), results + (64 * i) + (8 * s));
            }
        }
    }

    public static void Q6_K(byte** groups, int streams, int superBlocks, int rows, sbyte* q, float* d, int* seeds, float* results)
    {
        for (int i = 0; i < rows; i++)
        {
            for (int s = 0; s < streams; s++)
            {
                GroupQ6K(groups[s], superBlocks, q + (i * 256 * superBlocks), d + (i * 8 * superBlocks),
                    seeds + (i * 16 * superBlocks), results + (64 * i) + (8 * s));
            }
        }
    }

    /// <summary>
    /// A Q8_0x8 group: value j of row r sits at 16 + 32·(j/4) + 4r + j%4 (rows 0-3 in the first 16 bytes
    /// of a chunk, 4-7 in the next); acc += (d_w·d_x)·Σ as the definition does.
    /// </summary>
    private static void GroupQ8(byte* g, int blocks, sbyte* q, float* d, float* results)
    {
        Vector128<float> acc0 = Vector128<float>.Zero, acc1 = Vector128<float>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = g + ((long)b * Q8), w = block + 16;
            sbyte* x = q + (32 * b);
            Vector128<int> sum0 = Vector128<int>.Zero, sum1 = Vector128<int>.Zero;
            for (int t = 0; t < 8; t++)
            {
                Vector128<sbyte> xb = Broadcast(x + (4 * t));
                sum0 = TBytes.Dot(sum0, Vector128.Load((sbyte*)(w + (32 * t))), xb);
                sum1 = TBytes.Dot(sum1, Vector128.Load((sbyte*)(w + (32 * t) + 16)), xb);
            }
            Accumulate(block, d[b], sum0, sum1, ref acc0, ref acc1);
        }
        acc0.Store(results);
        acc1.Store(results + 4);
    }

    /// <summary>Like <see cref="GroupQ8"/> for Q4_0x8: byte 16 + 32·(j/4) + 4r + j%4 holds value j (low nibble) and j + 16 (high), each biased by 8.</summary>
    private static void GroupQ4(byte* g, int blocks, sbyte* q, float* d, float* results)
    {
        Vector128<float> acc0 = Vector128<float>.Zero, acc1 = Vector128<float>.Zero;
        Vector128<byte> low4 = Vector128.Create((byte)0x0F);
        Vector128<sbyte> eight = Vector128.Create((sbyte)8);
        for (int b = 0; b < blocks; b++)
        {
            byte* block = g + ((long)b * Q4), w = block + 16;
            sbyte* x = q + (32 * b);
            Vector128<int> sum0 = Vector128<int>.Zero, sum1 = Vector128<int>.Zero;
            for (int t = 0; t < 4; t++)
            {
                Vector128<sbyte> xl = Broadcast(x + (4 * t)), xh = Broadcast(x + 16 + (4 * t));
                Vector128<byte> p0 = Vector128.Load(w + (32 * t)), p1 = Vector128.Load(w + (32 * t) + 16);
                sum0 = TBytes.Dot(sum0, (p0 & low4).AsSByte() - eight, xl);
                sum1 = TBytes.Dot(sum1, (p1 & low4).AsSByte() - eight, xl);
                sum0 = TBytes.Dot(sum0, Vector128.ShiftRightLogical(p0, 4).AsSByte() - eight, xh);
                sum1 = TBytes.Dot(sum1, Vector128.ShiftRightLogical(p1, 4).AsSByte() - eight, xh);
            }
            Accumulate(block, d[b], sum0, sum1, ref acc0, ref acc1);
        }
        acc0.Store(results);
        acc1.Store(results + 4);
    }

    /// <summary>acc += (d_w·d_x)·Σ for rows 0-3 and 4-7 of a Q8_0x8 / Q4_0x8 block (its 8 f16 scales first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(byte* block, float dx, Vector128<int> sum0, Vector128<int> sum1, ref Vector128<float> acc0, ref Vector128<float> acc1)
    {
        Vector128<float> scale = Vector128.Create(dx);
        (Vector128<float> d0, Vector128<float> d1) = Scales(block);
        acc0 += d0 * scale * Vector128.ConvertToSingle(sum0);
        acc1 += d1 * scale * Vector128.ConvertToSingle(sum1);
    }

    /// <summary>
    /// A Q4_Kx8 group. A super-block: d (16 bytes, 8 rows' f16) | dmin (16) | the 12 scale bytes as 3
    /// chunks of 32 | qs as 32 chunks, chunk 8c + u holding bytes 32c + 4u.. of each row (sub-block 2c
    /// in the low nibbles, 2c + 1 in the high). Per sub-block j in order, as the definition:
    /// sum += dot·(sc·d_x), mins += m·xs; then acc += d·sum − dmin·mins. Rows 4-7 are 16 bytes on.
    /// </summary>
    [SkipLocalsInit] // every sum is written before it is read
    private static void GroupQ4K(byte* g, int superBlocks, sbyte* q, float* d, float* xs, float* results)
    {
        Vector128<int>* dots = stackalloc Vector128<int>[16]; // sub-block j, rows 0-3 at 2j, 4-7 at 2j + 1
        Vector128<float> acc0 = Vector128<float>.Zero, acc1 = Vector128<float>.Zero;
        Vector128<byte> low4 = Vector128.Create((byte)0x0F);
        for (int sb = 0; sb < superBlocks; sb++)
        {
            byte* block = g + ((long)sb * Q4K);
            for (int c = 0; c < 4; c++)
            {
                Vector128<int> e0 = Vector128<int>.Zero, e1 = Vector128<int>.Zero, o0 = Vector128<int>.Zero, o1 = Vector128<int>.Zero;
                byte* w = block + 128 + (256 * c);
                sbyte* x = q + (256 * sb) + (64 * c);
                for (int u = 0; u < 8; u++)
                {
                    Vector128<sbyte> xe = Broadcast(x + (4 * u)), xo = Broadcast(x + 32 + (4 * u));
                    Vector128<byte> p0 = Vector128.Load(w + (32 * u)), p1 = Vector128.Load(w + (32 * u) + 16);
                    e0 = TBytes.Dot(e0, (p0 & low4).AsSByte(), xe);
                    e1 = TBytes.Dot(e1, (p1 & low4).AsSByte(), xe);
                    o0 = TBytes.Dot(o0, Vector128.ShiftRightLogical(p0, 4).AsSByte(), xo);
                    o1 = TBytes.Dot(o1, Vector128.ShiftRightLogical(p1, 4).AsSByte(), xo);
                }
                dots[4 * c] = e0;
                dots[(4 * c) + 1] = e1;
                dots[(4 * c) + 2] = o0;
                dots[(4 * c) + 3] = o1;
            }
            (Vector128<float> d0, Vector128<float> d1) = Scales(block);
            (Vector128<float> m0, Vector128<float> m1) = Scales(block + 16);
            acc0 += Q4KSuperBlock(block, dots, d + (8 * sb), xs + (8 * sb), d0, m0);
            acc1 += Q4KSuperBlock(block + 16, dots + 1, d + (8 * sb), xs + (8 * sb), d1, m1);
        }
        acc0.Store(results);
        acc1.Store(results + 4);
    }

    /// <summary>d·Σ dot·(sc·d_x) − dmin·Σ m·xs over the 8 sub-blocks of 4 rows (dots[2j]; scales at block + 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Q4KSuperBlock(byte* block, Vector128<int>* dots, float* dx, float* xs, Vector128<float> scale, Vector128<float> min)
    {
        // Lane r: scale bytes 0-3, 4-7 and 8-11 of row r as one uint each.
        Vector128<uint> s0 = Vector128.Load((uint*)(block + 32)), s1 = Vector128.Load((uint*)(block + 64));
        Vector128<uint> s2 = Vector128.Load((uint*)(block + 96));
        Vector128<float> sum = Vector128<float>.Zero, mins = Vector128<float>.Zero;
        for (int j = 0; j < 8; j++)
        {
            (Vector128<int> sc, Vector128<int> m) = ScaleMin(s0, s1, s2, j);
            sum += Vector128.ConvertToSingle(dots[2 * j]) * (Vector128.ConvertToSingle(sc) * Vector128.Create(dx[j]));
            mins += Vector128.ConvertToSingle(m) * Vector128.Create(xs[j]);
        }
        return (scale * sum) - (min * mins);
    }

    /// <summary>ggml's get_scale_min_k4 for sub-block j, per lane, from the row's scale bytes 0-3 (s0), 4-7 (s1) and 8-11 (s2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<int> Scale, Vector128<int> Min) ScaleMin(Vector128<uint> s0, Vector128<uint> s1, Vector128<uint> s2, int j)
    {
        Vector128<uint> six = Vector128.Create(63u), four = Vector128.Create(15u), two = Vector128.Create(3u);
        if (j < 4)
        {
            return ((Vector128.ShiftRightLogical(s0, 8 * j) & six).AsInt32(), (Vector128.ShiftRightLogical(s1, 8 * j) & six).AsInt32());
        }
        int i = 8 * (j - 4);
        Vector128<uint> scale = (Vector128.ShiftRightLogical(s2, i) & four) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(s0, i + 6) & two, 4);
        Vector128<uint> min = (Vector128.ShiftRightLogical(s2, i + 4) & four) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(s1, i + 6) & two, 4);
        return (scale.AsInt32(), min.AsInt32());
    }

    /// <summary>
    /// A Q6_Kx8 group. A super-block: d (16 bytes) | ql as 32 chunks (chunk t holds bytes 4t.. of each
    /// row) | qh as 16 | the 16 int8 scales as 4. The 16 sub-blocks' integer sums (seeded with −32·Σx)
    /// go to a buffer, then sum += dot·(sc·d_x) in sub-block order and acc += d·sum, as the definition.
    /// </summary>
    [SkipLocalsInit] // every sum is written before it is read
    private static void GroupQ6K(byte* g, int superBlocks, sbyte* q, float* d, int* seeds, float* results)
    {
        Vector128<int>* dots = stackalloc Vector128<int>[32]; // sub-block j, rows 0-3 at 2j, 4-7 at 2j + 1
        Vector128<float> acc0 = Vector128<float>.Zero, acc1 = Vector128<float>.Zero;
        for (int sb = 0; sb < superBlocks; sb++)
        {
            byte* block = g + ((long)sb * Q6K);
            int* seed = seeds + (16 * sb);
            for (int h = 0; h < 2; h++)
            {
                for (int p = 0; p < 2; p++)
                {
                    // Sub-blocks 8h + 2k + p (quarter k of half h, values 16p .. 16p + 15 of its 32).
                    int j = (8 * h) + p;
                    Q6KSubBlocks(block, h, p, q + (256 * sb), seed + j, dots + (2 * j));
                }
            }
            (Vector128<float> d0, Vector128<float> d1) = Scales(block);
            acc0 += d0 * Q6KSuperBlock(block + 1552, dots, d + (8 * sb));
            acc1 += d1 * Q6KSuperBlock(block + 1568, dots + 1, d + (8 * sb));
        }
        acc0.Store(results);
        acc1.Store(results + 4);
    }

    /// <summary>
    /// The 4 sub-blocks 8h + 2k + p (k = 0..3) of the group's 8 rows into dots[4k] (rows 0-3) and
    /// dots[4k + 1] (rows 4-7), sharing each x broadcast between the two halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Q6KSubBlocks(byte* block, int h, int p, sbyte* q, int* seed, Vector128<int>* dots)
    {
        Vector128<int> a0 = Vector128.Create(seed[0]), a1 = Vector128.Create(seed[2]);
        Vector128<int> a2 = Vector128.Create(seed[4]), a3 = Vector128.Create(seed[6]);
        Vector128<int> b0 = a0, b1 = a1, b2 = a2, b3 = a3;
        sbyte* x = q + (128 * h);
        for (int u = 4 * p; u < (4 * p) + 4; u++)
        {
            // ggml's ql[64h + 4u..], ql[64h + 32 + 4u..] and qh[32h + 4u..]; rows 4-7 16 bytes on.
            byte* la = block + 16 + (32 * ((16 * h) + u)), lb = la + (32 * 8), hb = block + 1040 + (32 * ((8 * h) + u));
            Q6KValues(Vector128.Load(la), Vector128.Load(lb), Vector128.Load(hb), out Vector128<sbyte> v0, out Vector128<sbyte> v1, out Vector128<sbyte> v2, out Vector128<sbyte> v3);
            Q6KValues(Vector128.Load(la + 16), Vector128.Load(lb + 16), Vector128.Load(hb + 16), out Vector128<sbyte> w0, out Vector128<sbyte> w1, out Vector128<sbyte> w2, out Vector128<sbyte> w3);
            sbyte* xu = x + (4 * u);
            Vector128<sbyte> x0 = Broadcast(xu), x1 = Broadcast(xu + 32), x2 = Broadcast(xu + 64), x3 = Broadcast(xu + 96);
            a0 = TBytes.Dot(a0, v0, x0);
            b0 = TBytes.Dot(b0, w0, x0);
            a1 = TBytes.Dot(a1, v1, x1);
            b1 = TBytes.Dot(b1, w1, x1);
            a2 = TBytes.Dot(a2, v2, x2);
            b2 = TBytes.Dot(b2, w2, x2);
            a3 = TBytes.Dot(a3, v3, x3);
            b3 = TBytes.Dot(b3, w3, x3);
        }
        dots[0] = a0;
        dots[1] = b0;
        dots[4] = a1;
        dots[5] = b1;
        dots[8] = a2;
        dots[9] = b2;
        dots[12] = a3;
        dots[13] = b3;
    }

    /// <summary>The 6-bit values of quarters 0-3 from ql bytes l (la), l + 32 (lb) and qh bytes l (hb): a ql nibble or'ed with 2 qh bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Q6KValues(Vector128<byte> la, Vector128<byte> lb, Vector128<byte> hb,
        out Vector128<sbyte> v0, out Vector128<sbyte> v1, out Vector128<sbyte> v2, out Vector128<sbyte> v3)
    {
        Vector128<byte> low4 = Vector128.Create((byte)0x0F), two = Vector128.Create((byte)3);
        v0 = ((la & low4) | Vector128.ShiftLeft(hb & two, 4)).AsSByte();
        v1 = ((lb & low4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(hb, 2) & two, 4)).AsSByte();
        v2 = (Vector128.ShiftRightLogical(la, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(hb, 4) & two, 4)).AsSByte();
        v3 = (Vector128.ShiftRightLogical(lb, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(hb, 6), 4)).AsSByte();
    }

    /// <summary>Σ dot·(sc·d_x) over the 16 sub-blocks of 4 rows (dots[2j]); scale j is byte j % 4 of chunk j / 4, signed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Q6KSuperBlock(byte* scales, Vector128<int>* dots, float* dx)
    {
        Vector128<float> sum = Vector128<float>.Zero;
        for (int j = 0; j < 16; j++)
        {
            Vector128<int> chunk = Vector128.Load((int*)(scales + (32 * (j / 4))));
            Vector128<int> scale = Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(chunk, 24 - (8 * (j % 4))), 24);
            sum += Vector128.ConvertToSingle(dots[2 * j]) * (Vector128.ConvertToSingle(scale) * Vector128.Create(dx[j / 2]));
        }
        return sum;
    }

    /// <summary>The f16 field of 8 rows at <paramref name="field"/> as rows 0-3 and 4-7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Rows03, Vector128<float> Rows47) Scales(byte* field)
    {
        (Vector128<uint> lo, Vector128<uint> hi) = Vector128.Widen(Vector128.Load((ushort*)field));
        return (HalfToSingle(lo), HalfToSingle(hi));
    }

    /// <summary>4 signed bytes of x broadcast to every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Broadcast(sbyte* x) => Vector128.Create(*(int*)x).AsSByte();

    /// <summary>
    /// IEEE half → single for 4 lanes, exactly (BlockFormats.HalfToFloat's values): the 15 low bits
    /// moved under a float's exponent and scaled by 2^112 (exact for normal and subnormal halves);
    /// infinities and NaNs rebuilt by hand; the sign or'ed back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> HalfToSingle(Vector128<uint> h)
    {
        Vector128<uint> magnitude = h & Vector128.Create(0x7FFFu), moved = Vector128.ShiftLeft(magnitude, 13);
        Vector128<uint> bits = (moved.AsSingle() * Vector128.Create(BitConverter.UInt32BitsToSingle(0x77800000))).AsUInt32(); // 2^112
        bits = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(magnitude, Vector128.Create(0x7C00u)), moved | Vector128.Create(0x7F800000u), bits);
        return (bits | Vector128.ShiftLeft(h & Vector128.Create(0x8000u), 16)).AsSingle();
    }
}
