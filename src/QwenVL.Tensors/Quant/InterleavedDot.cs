// Dot products of 8-row interleaved Q8_0x8 / Q4_0x8 / Q4_Kx8 / Q6_Kx8 weights (RowInterleave.cs) with
// int8 activation rows (ActivationQuantizer): per block (K-quants: per sub-block of 32 or 16 values),
// lane r of an int32 vector sums row r's products exactly, then acc_r gets them times the weight and
// activation scales in float32. The scalar struct is the definition; the x86 kernels
// (InterleavedDotX86.cs) agree with it to the rounding of the per-block float accumulation; the
// 128-bit kernels (InterleavedDot128.cs: ARM64's sdot, or a widening multiply) equal it bit for bit.
namespace QwenVL.Tensors.Quant;

/// <summary>One implementation of the interleaved kernels.</summary>
internal unsafe interface IInterleavedDot
{
    /// <summary>
    /// One activation row (q, d, o as in IQuantDot) against 4 groups of 8 rows at independent addresses
    /// (4 memory streams per thread) into results[8i + r] (group i, row r).
    /// </summary>
    static abstract void Q8_0w4(byte* g0, byte* g1, byte* g2, byte* g3, int blocks, sbyte* q, float* d, int* o, float* results);

    /// <summary>Like <see cref="Q8_0w4"/> for Q4_0x8.</summary>
    static abstract void Q4_0w4(byte* g0, byte* g1, byte* g2, byte* g3, int blocks, sbyte* q, float* d, int* o, float* results);

    /// <summary>
    /// One activation row against 8 groups at g, g + step, …, g + 7·step (8 memory streams per thread)
    /// into results[8i + r]. Two threads' 8 streams read ~15–28% faster than 4 (Decode's notes).
    /// </summary>
    static abstract void Q8_0w8(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results);

    /// <summary>Like <see cref="Q8_0w8"/> for Q4_0x8.</summary>
    static abstract void Q4_0w8(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results);

    /// <summary>
    /// One activation row against 2 groups at g and g + step (2 memory streams per thread) into
    /// results[8i + r]: the walk AMD cores stream fastest (Decode's notes in CpuBackend.Interleaved.cs).
    /// </summary>
    static abstract void Q8_0w2(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results);

    /// <summary>Like <see cref="Q8_0w2"/> for Q4_0x8.</summary>
    static abstract void Q4_0w2(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results);

    /// <summary>
    /// Four activation rows (q + r·qStride; d, o + r·dStride) against one group into results[8r + lane].
    /// <paramref name="fromMemory"/>: the caller's first read of the group, which may prefetch ahead
    /// (later x-rows of a prefill tile find it in cache, and prefetching there slowed them).
    /// </summary>
    static abstract void Q8_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results, bool fromMemory);

    /// <summary>Like <see cref="Q8_0x4"/> for Q4_0x8.</summary>
    static abstract void Q4_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results, bool fromMemory);

    /// <summary>
    /// <paramref name="rows"/> (1 to 4) activation rows (q, d per 32 values) against <paramref name="streams"/>
    /// groups of 8 Q4_Kx8 rows at groups[s] into results[64i + 8s + r] (x-row i, group s, row r). With
    /// k = 256·superBlocks, x-row i's q, d and xs start at q + i·k, d + i·k/32 and xs + i·k/16 (the
    /// layout of QuantMatMulJob). xs[j] = d_j·Σq over block j: the mins' term −dmin·m·Σx needs only
    /// that sum (ActivationQuantizer.KQuantSide makes it).
    /// </summary>
    static abstract void Q4_K(byte** groups, int streams, int superBlocks, int rows, sbyte* q, float* d, float* xs, float* results);

    /// <summary>Like <see cref="Q4_K"/> for Q6_Kx8; <paramref name="seeds"/>[g] = −32·Σq over the 16 values g (the −32 offset of every 6-bit value).</summary>
    static abstract void Q6_K(byte** groups, int streams, int superBlocks, int rows, sbyte* q, float* d, int* seeds, float* results);
}

/// <summary>The definition: each row's integer sum per block read straight from the interleaved bytes.</summary>
internal readonly unsafe struct ScalarInterleavedDot : IInterleavedDot
{
    private const int Q8 = 8 * BlockFormats.Q8_0Bytes, Q4 = 8 * BlockFormats.Q4_0Bytes;

    public static void Q8_0w4(byte* g0, byte* g1, byte* g2, byte* g3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        Group(g0, blocks, q, d, true, results);
        Group(g1, blocks, q, d, true, results + 8);
        Group(g2, blocks, q, d, true, results + 16);
        Group(g3, blocks, q, d, true, results + 24);
    }

    public static void Q4_0w4(byte* g0, byte* g1, byte* g2, byte* g3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        Group(g0, blocks, q, d, false, results);
        Group(g1, blocks, q, d, false, results + 8);
        Group(g2, blocks, q, d, false, results + 16);
        Group(g3, blocks, q, d, false, results + 24);
    }

    public static void Q8_0w8(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        for (int i = 0; i < 8; i++)
        {
            Group(g + (i * step), blocks, q, d, true, results + (8 * i));
        }
    }

    public static void Q4_0w8(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        for (int i = 0; i < 8; i++)
        {
            Group(g + (i * step), blocks, q, d, false, results + (8 * i));
        }
    }

    public static void Q8_0w2(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        Group(g, blocks, q, d, true, results);
        Group(g + step, blocks, q, d, true, results + 8);
    }

    public static void Q4_0w2(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        Group(g, blocks, q, d, false, results);
        Group(g + step, blocks, q, d, false, results + 8);
    }

    public static void Q8_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results, bool fromMemory)
    {
        for (int r = 0; r < 4; r++)
        {
            Group(g, blocks, q + ((long)r * qStride), d + ((long)r * dStride), true, results + (8 * r));
        }
    }

    public static void Q4_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results, bool fromMemory)
    {
        for (int r = 0; r < 4; r++)
        {
            Group(g, blocks, q + ((long)r * qStride), d + ((long)r * dStride), false, results + (8 * r));
        }
    }

    private static void Group(byte* g, int blocks, sbyte* q, float* d, bool q8, float* results)
    {
        for (int r = 0; r < 8; r++)
        {
            float acc = 0f;
            for (int b = 0; b < blocks; b++)
            {
                byte* block = g + ((long)b * (q8 ? Q8 : Q4));
                sbyte* x = q + (b * 32);
                int sum = 0;
                for (int j = 0; j < 32; j++)
                {
                    int w = q8
                        ? ((sbyte*)block)[16 + (32 * (j / 4)) + (4 * r) + (j % 4)]
                        : Nibble(block, r, j) - 8;
                    sum += w * x[j];
                }
                acc += BlockFormats.HalfToFloat(((ushort*)block)[r]) * d[b] * sum;
            }
            results[r] = acc;
        }
    }

    public static void Q4_K(byte** groups, int streams, int superBlocks, int rows, sbyte* q, float* d, float* xs, float* results)
    {
        for (int i = 0; i < rows; i++)
        {
            Q4KRow(groups, streams, superBlocks, q + (i * 256 * superBlocks), d + (i * 8 * superBlocks), xs + (i * 16 * superBlocks), results + (64 * i));
        }
    }

    public static void Q6_K(byte** groups, int streams, int superBlocks, int rows, sbyte* q, float* d, int* seeds, float* results)
    {
        for (int i = 0; i < rows; i++)
        {
            Q6KRow(groups, streams, superBlocks, q + (i * 256 * superBlocks), d + (i * 8 * superBlocks), seeds + (i * 16 * superBlocks), results + (64 * i));
        }
    }

    /// <summary>One x-row of <see cref="Q4_K"/>.</summary>
    private static void Q4KRow(byte** groups, int streams, int superBlocks, sbyte* q, float* d, float* xs, float* results)
    {
        byte* block = stackalloc byte[144];
        for (int s = 0; s < streams; s++)
        {
            for (int r = 0; r < 8; r++)
            {
                float acc = 0f;
                for (int sb = 0; sb < superBlocks; sb++)
                {
                    // Row r's ggml block gathered back: the definition reads ggml's fields by name.
                    RowInterleave.ReadRowBlocks(DType.Q4_Kx8, groups[s], superBlocks * 256, r, sb, 1, block);
                    var scales = new ReadOnlySpan<byte>(block + 4, 12);
                    float sum = 0f, mins = 0f;
                    for (int j = 0; j < 8; j++)
                    {
                        (int sc, int m) = BlockFormats.ScaleMinK4(scales, j);
                        byte* qs = block + 16 + (32 * (j / 2));
                        sbyte* x = q + (256 * sb) + (32 * j);
                        int dot = 0;
                        for (int l = 0; l < 32; l++)
                        {
                            dot += (j % 2 == 0 ? qs[l] & 15 : qs[l] >> 4) * x[l];
                        }
                        sum += dot * (sc * d[(8 * sb) + j]);
                        mins += m * xs[(8 * sb) + j];
                    }
                    acc += (BlockFormats.HalfToFloat(((ushort*)block)[0]) * sum) - (BlockFormats.HalfToFloat(((ushort*)block)[1]) * mins);
                }
                results[(8 * s) + r] = acc;
            }
        }
    }

    /// <summary>One x-row of <see cref="Q6_K"/>.</summary>
    private static void Q6KRow(byte** groups, int streams, int superBlocks, sbyte* q, float* d, int* seeds, float* results)
    {
        byte* block = stackalloc byte[210];
        for (int s = 0; s < streams; s++)
        {
            for (int r = 0; r < 8; r++)
            {
                float acc = 0f;
                for (int sb = 0; sb < superBlocks; sb++)
                {
                    RowInterleave.ReadRowBlocks(DType.Q6_Kx8, groups[s], superBlocks * 256, r, sb, 1, block);
                    float sum = 0f;
                    for (int g = 0; g < 16; g++)
                    {
                        // Values 16g..16g+15: half h, quarter k of the half, l from 16·(g % 2).
                        int h = g / 8, k = g / 2 % 4, l0 = 16 * (g % 2);
                        int dot = seeds[(16 * sb) + g];
                        for (int l = l0; l < l0 + 16; l++)
                        {
                            dot += Q6(block, h, k, l) * q[(256 * sb) + (128 * h) + (32 * k) + l];
                        }
                        sum += dot * (((sbyte*)block)[192 + (8 * h) + (l0 / 16) + (2 * k)] * d[(8 * sb) + (4 * h) + k]);
                    }
                    acc += BlockFormats.HalfToFloat(*(ushort*)(block + 208)) * sum;
                }
                results[(8 * s) + r] = acc;
            }
        }
    }

    /// <summary>Value 128h + 32k + l of a ggml Q6_K block as its stored 6 bits 0..63 (ggml's dequantize_row_q6_K).</summary>
    private static int Q6(byte* block, int h, int k, int l)
    {
        byte* ql = block + (64 * h), qh = block + 128 + (32 * h);
        int low = (k % 2 == 0 ? ql[l] : ql[l + 32]) >> (4 * (k / 2)) & 15;
        return low | ((qh[l] >> (2 * k)) & 3) << 4;
    }

    /// <summary>Value j (0..31) of row r's Q4_0 block as its stored nibble 0..15.</summary>
    private static int Nibble(byte* block, int r, int j)
    {
        int low = j % 16;
        byte packed = block[16 + (32 * (low / 4)) + (4 * r) + (low % 4)];
        return j < 16 ? packed & 15 : packed >> 4;
    }
}
