// Dot products of one Q8_0 / Q4_0 weight row with int8-quantized activation rows (ActivationQuantizer):
// per block of 32, an exact integer sum Σ w·x, then acc += d_w·d_x·sum in float32. The scalar
// implementation is the definition; Vector128 (portable: SSE, NEON) and the x86 kernels in
// QuantDotX86.cs must agree with it to float rounding of the per-block accumulation.
// The x4 entry points take 4 activation rows at once so a weight block is loaded/unpacked once.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors.Quant;

/// <summary>One instruction-set implementation of the quantized dot products.</summary>
internal unsafe interface IQuantDot
{
    /// <summary>
    /// Σ over <paramref name="blocks"/> Q8_0 blocks at <paramref name="w"/> with one activation row:
    /// int8 values <paramref name="q"/>, block scales <paramref name="d"/>, block offsets
    /// <paramref name="o"/> = −bias·Σq (QuantKernels.WeightBias; kernels that bias the weights to
    /// unsigned bytes use them).
    /// </summary>
    static abstract float Q8_0(byte* w, int blocks, sbyte* q, float* d, int* o);

    /// <summary>Four activation rows (q + r·qStride; d and o + r·dStride) into results[0..4).</summary>
    static abstract void Q8_0x4(byte* w, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results);

    /// <summary>Like <see cref="Q8_0"/> for Q4_0 weights.</summary>
    static abstract float Q4_0(byte* w, int blocks, sbyte* q, float* d, int* o);

    /// <summary>Like <see cref="Q8_0x4"/> for Q4_0 weights.</summary>
    static abstract void Q4_0x4(byte* w, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results);

    /// <summary>
    /// One activation row against 4 weight rows at independent addresses into results[0..4): decode
    /// gives each thread 4 memory streams this way (one stream left a core at ~60% of what 4 read).
    /// </summary>
    static abstract void Q8_0w4(byte* w0, byte* w1, byte* w2, byte* w3, int blocks, sbyte* q, float* d, int* o, float* results);

    /// <summary>Like <see cref="Q8_0w4"/> for Q4_0 weights.</summary>
    static abstract void Q4_0w4(byte* w0, byte* w1, byte* w2, byte* w3, int blocks, sbyte* q, float* d, int* o, float* results);
}

/// <summary>The definition: plain integer loops, float accumulation block by block.</summary>
internal readonly unsafe struct ScalarQuantDot : IQuantDot
{
    public static float Q8_0(byte* w, int blocks, sbyte* q, float* d, int* o)
    {
        float acc = 0f;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + (b * BlockFormats.Q8_0Bytes);
            sbyte* wq = (sbyte*)(block + 2);
            sbyte* xq = q + (b * 32);
            int sum = 0;
            for (int j = 0; j < 32; j++)
            {
                sum += wq[j] * xq[j];
            }
            acc += BlockFormats.HalfToFloat(*(ushort*)block) * d[b] * sum;
        }
        return acc;
    }

    public static void Q8_0x4(byte* w, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results)
    {
        for (int r = 0; r < 4; r++)
        {
            results[r] = Q8_0(w, blocks, q + ((long)r * qStride), d + ((long)r * dStride), o + ((long)r * dStride));
        }
    }

    public static float Q4_0(byte* w, int blocks, sbyte* q, float* d, int* o)
    {
        float acc = 0f;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + (b * BlockFormats.Q4_0Bytes);
            sbyte* xq = q + (b * 32);
            int sum = 0;
            for (int j = 0; j < 16; j++)
            {
                int packed = block[2 + j];
                sum += (((packed & 0x0F) - 8) * xq[j]) + (((packed >> 4) - 8) * xq[j + 16]);
            }
            acc += BlockFormats.HalfToFloat(*(ushort*)block) * d[b] * sum;
        }
        return acc;
    }

    public static void Q4_0x4(byte* w, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results)
    {
        for (int r = 0; r < 4; r++)
        {
            results[r] = Q4_0(w, blocks, q + ((long)r * qStride), d + ((long)r * dStride), o + ((long)r * dStride));
        }
    }

    public static void Q8_0w4(byte* w0, byte* w1, byte* w2, byte* w3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        results[0] = Q8_0(w0, blocks, q, d, o);
        results[1] = Q8_0(w1, blocks, q, d, o);
        results[2] = Q8_0(w2, blocks, q, d, o);
        results[3] = Q8_0(w3, blocks, q, d, o);
    }

    public static void Q4_0w4(byte* w0, byte* w1, byte* w2, byte* w3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        results[0] = Q4_0(w0, blocks, q, d, o);
        results[1] = Q4_0(w1, blocks, q, d, o);
        results[2] = Q4_0(w2, blocks, q, d, o);
        results[3] = Q4_0(w3, blocks, q, d, o);
    }
}

/// <summary>
/// Portable 128-bit kernel (SSE2 on old x86, NEON on ARM64): bytes widened to 16-bit products
/// (|w·x| ≤ 128·127, two of them fit a short), then widened to int32 lanes.
/// </summary>
internal readonly unsafe struct Vector128QuantDot : IQuantDot
{
    public static float Q8_0(byte* w, int blocks, sbyte* q, float* d, int* o)
    {
        Vector128<float> acc0 = Vector128<float>.Zero, acc1 = Vector128<float>.Zero;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            acc0 = Accumulate(acc0, BlockQ8(w + (b * BlockFormats.Q8_0Bytes), q + (b * 32)), w + (b * BlockFormats.Q8_0Bytes), d[b]);
            acc1 = Accumulate(acc1, BlockQ8(w + ((b + 1) * BlockFormats.Q8_0Bytes), q + ((b + 1) * 32)), w + ((b + 1) * BlockFormats.Q8_0Bytes), d[b + 1]);
        }
        if (b < blocks)
        {
            acc0 = Accumulate(acc0, BlockQ8(w + (b * BlockFormats.Q8_0Bytes), q + (b * 32)), w + (b * BlockFormats.Q8_0Bytes), d[b]);
        }
        return Vector128.Sum(acc0 + acc1);
    }

    public static void Q8_0x4(byte* w, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results)
    {
        for (int r = 0; r < 4; r++)
        {
            results[r] = Q8_0(w, blocks, q + ((long)r * qStride), d + ((long)r * dStride), o + ((long)r * dStride));
        }
    }

    public static float Q4_0(byte* w, int blocks, sbyte* q, float* d, int* o)
    {
        Vector128<float> acc0 = Vector128<float>.Zero, acc1 = Vector128<float>.Zero;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            acc0 = Accumulate(acc0, BlockQ4(w + (b * BlockFormats.Q4_0Bytes), q + (b * 32)), w + (b * BlockFormats.Q4_0Bytes), d[b]);
            acc1 = Accumulate(acc1, BlockQ4(w + ((b + 1) * BlockFormats.Q4_0Bytes), q + ((b + 1) * 32)), w + ((b + 1) * BlockFormats.Q4_0Bytes), d[b + 1]);
        }
        if (b < blocks)
        {
            acc0 = Accumulate(acc0, BlockQ4(w + (b * BlockFormats.Q4_0Bytes), q + (b * 32)), w + (b * BlockFormats.Q4_0Bytes), d[b]);
        }
        return Vector128.Sum(acc0 + acc1);
    }

    public static void Q4_0x4(byte* w, int blocks, sbyte* q, float* d, int* o, int qStride, int dStride, float* results)
    {
        for (int r = 0; r < 4; r++)
        {
            results[r] = Q4_0(w, blocks, q + ((long)r * qStride), d + ((long)r * dStride), o + ((long)r * dStride));
        }
    }

    public static void Q8_0w4(byte* w0, byte* w1, byte* w2, byte* w3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        results[0] = Q8_0(w0, blocks, q, d, o);
        results[1] = Q8_0(w1, blocks, q, d, o);
        results[2] = Q8_0(w2, blocks, q, d, o);
        results[3] = Q8_0(w3, blocks, q, d, o);
    }

    public static void Q4_0w4(byte* w0, byte* w1, byte* w2, byte* w3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        results[0] = Q4_0(w0, blocks, q, d, o);
        results[1] = Q4_0(w1, blocks, q, d, o);
        results[2] = Q4_0(w2, blocks, q, d, o);
        results[3] = Q4_0(w3, blocks, q, d, o);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Accumulate(Vector128<float> acc, Vector128<int> sums, byte* block, float dx)
    {
        var scale = Vector128.Create(BlockFormats.HalfToFloat(*(ushort*)block) * dx);
        return Vector128.FusedMultiplyAdd(Vector128.ConvertToSingle(sums), scale, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> BlockQ8(byte* block, sbyte* x) =>
        DotBytes(Vector128.Load((sbyte*)(block + 2)), Vector128.Load(x)) + DotBytes(Vector128.Load((sbyte*)(block + 18)), Vector128.Load(x + 16));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> BlockQ4(byte* block, sbyte* x)
    {
        Vector128<byte> packed = Vector128.Load(block + 2);
        var eight = Vector128.Create((sbyte)8);
        Vector128<sbyte> lo = (packed & Vector128.Create((byte)0x0F)).AsSByte() - eight;
        Vector128<sbyte> hi = Vector128.ShiftRightLogical(packed, 4).AsSByte() - eight;
        return DotBytes(lo, Vector128.Load(x)) + DotBytes(hi, Vector128.Load(x + 16));
    }

    /// <summary>Four int32 lanes whose total is Σ a[i]·b[i] over 16 signed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> DotBytes(Vector128<sbyte> a, Vector128<sbyte> b)
    {
        (Vector128<short> aLo, Vector128<short> aHi) = Vector128.Widen(a);
        (Vector128<short> bLo, Vector128<short> bHi) = Vector128.Widen(b);
        Vector128<short> products = (aLo * bLo) + (aHi * bHi);
        (Vector128<int> lo, Vector128<int> hi) = Vector128.Widen(products);
        return lo + hi;
    }
}
