// Dot products of 8-row interleaved Q8_0x8 / Q4_0x8 weights (RowInterleave.cs) with int8 activation
// rows (ActivationQuantizer): per block, lane r of an int32 vector sums row r's 32 products exactly,
// then acc_r += d_w[r]·d_x·sum in float32. The scalar struct is the definition; the x86 kernels
// (InterleavedDotX86.cs) agree with it to the rounding of the per-block float accumulation. No
// Vector128 kernel: weights are only interleaved where AVX2 exists (RowInterleave.Preferred);
// elsewhere the ggml layout and its kernels stay.
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

    /// <summary>Four activation rows (q + r·qStride; d, o + r·dStride) against one group into results[8r + lane].</summary>
    static abstract void Q8_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results);

    /// <summary>Like <see cref="Q8_0x4"/> for Q4_0x8.</summary>
    static abstract void Q4_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results);
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

    public static void Q8_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results)
    {
        for (int r = 0; r < 4; r++)
        {
            Group(g, blocks, q + ((long)r * qStride), d + ((long)r * dStride), true, results + (8 * r));
        }
    }

    public static void Q4_0x4(byte* g, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results)
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

    /// <summary>Value j (0..31) of row r's Q4_0 block as its stored nibble 0..15.</summary>
    private static int Nibble(byte* block, int r, int j)
    {
        int low = j % 16;
        byte packed = block[16 + (32 * (low / 4)) + (4 * r) + (low % 4)];
        return j < 16 ? packed & 15 : packed >> 4;
    }
}
