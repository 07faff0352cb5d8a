// The decode kernels of X86QuantDot: one activation row against 4 weight rows that lie far apart
// (CpuBackend hands each thread's slice of rows over in 4 quarters), so every thread keeps 4
// memory streams in flight: on the target machine kind a plain read loop gets ~11 GB/s from one
// stream and ~17 GB/s from 4 with prefetch. The activation block is loaded once for the 4 rows.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

/// <content>Four-weight-row kernels.</content>
internal readonly unsafe partial struct X86QuantDot<TDot>
{
    public static void Q8_0w4(byte* w0, byte* w1, byte* w2, byte* w3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
        Vector256<float> acc2 = Vector256<float>.Zero, acc3 = Vector256<float>.Zero;
        float* s = stackalloc float[32];
        for (int g = 0; g < blocks; g += 8, d += 8)
        {
            int count = Math.Min(8, blocks - g);
            Scales4(w0, w1, w2, w3, Q8, count, d, s);
            for (int u = 0; u < count; u++, w0 += Q8, w1 += Q8, w2 += Q8, w3 += Q8, q += 32, o++)
            {
                Vector256<sbyte> x = Avx.LoadVector256(q);
                Vector256<sbyte> v0 = Avx.LoadVector256((sbyte*)(w0 + 2)), v1 = Avx.LoadVector256((sbyte*)(w1 + 2));
                Vector256<sbyte> v2 = Avx.LoadVector256((sbyte*)(w2 + 2)), v3 = Avx.LoadVector256((sbyte*)(w3 + 2));
                acc0 = Accumulate(TDot.DotQ8(TDot.PrepareQ8(v0), v0, x, o), s + u, acc0);
                acc1 = Accumulate(TDot.DotQ8(TDot.PrepareQ8(v1), v1, x, o), s + 8 + u, acc1);
                acc2 = Accumulate(TDot.DotQ8(TDot.PrepareQ8(v2), v2, x, o), s + 16 + u, acc2);
                acc3 = Accumulate(TDot.DotQ8(TDot.PrepareQ8(v3), v3, x, o), s + 24 + u, acc3);
            }
        }
        Store4(results, acc0, acc1, acc2, acc3);
    }

    public static void Q4_0w4(byte* w0, byte* w1, byte* w2, byte* w3, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
        Vector256<float> acc2 = Vector256<float>.Zero, acc3 = Vector256<float>.Zero;
        float* s = stackalloc float[32];
        for (int g = 0; g < blocks; g += 8, d += 8)
        {
            int count = Math.Min(8, blocks - g);
            Scales4(w0, w1, w2, w3, Q4, count, d, s);
            for (int u = 0; u < count; u++, w0 += Q4, w1 += Q4, w2 += Q4, w3 += Q4, q += 32, o++)
            {
                Vector256<sbyte> x = Avx.LoadVector256(q);
                Vector256<int> seed = Offset(o);
                acc0 = Accumulate(TDot.Dot(seed, Nibbles(w0), x), s + u, acc0);
                acc1 = Accumulate(TDot.Dot(seed, Nibbles(w1), x), s + 8 + u, acc1);
                acc2 = Accumulate(TDot.Dot(seed, Nibbles(w2), x), s + 16 + u, acc2);
                acc3 = Accumulate(TDot.Dot(seed, Nibbles(w3), x), s + 24 + u, acc3);
            }
        }
        Store4(results, acc0, acc1, acc2, acc3);
    }

    /// <summary>
    /// Combined scales d_w·d_x of the next <paramref name="count"/> (≤ 8) blocks of 4 weight rows
    /// into s[8r + u], prefetching each row 1 KiB ahead when a whole group follows.
    /// </summary>
    private static void Scales4(byte* w0, byte* w1, byte* w2, byte* w3, int blockBytes, int count, float* d, float* s)
    {
        if (count == 8)
        {
            Prefetch(w0, 8 * blockBytes);
            Prefetch(w1, 8 * blockBytes);
            Prefetch(w2, 8 * blockBytes);
            Prefetch(w3, 8 * blockBytes);
            Vector256<float> dx = Vector256.Load(d);
            (WeightScales(w0, blockBytes) * dx).Store(s);
            (WeightScales(w1, blockBytes) * dx).Store(s + 8);
            (WeightScales(w2, blockBytes) * dx).Store(s + 16);
            (WeightScales(w3, blockBytes) * dx).Store(s + 24);
            return;
        }
        for (int u = 0; u < count; u++)
        {
            int at = u * blockBytes;
            s[u] = BlockFormats.HalfToFloat(*(ushort*)(w0 + at)) * d[u];
            s[8 + u] = BlockFormats.HalfToFloat(*(ushort*)(w1 + at)) * d[u];
            s[16 + u] = BlockFormats.HalfToFloat(*(ushort*)(w2 + at)) * d[u];
            s[24 + u] = BlockFormats.HalfToFloat(*(ushort*)(w3 + at)) * d[u];
        }
    }
}
