// The 16×16 register transpose behind the AVX-512 packing paths, with pluggable row sources
// (float rows, BF16 rows widened, float rows rounded to bf16 pairs, raw pairs) and sinks (16 or 12
// lanes per output row). Only reached where Avx512F.IsSupported; the callers keep portable loops.
// Fully unrolled so all 16 rows stay in zmm registers: 16 loads, 64 permutes, 16 stores.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Gemm;

/// <summary>Produces row <c>r</c> (16 lanes) of a 16×16 block.</summary>
internal unsafe interface IRowSource
{
    static abstract Vector512<float> Row(void* src, nint stride, int r);
}

/// <summary>Consumes output row <c>i</c> of a transposed block.</summary>
internal unsafe interface IRowSink
{
    static abstract void Store(float* dst, nint stride, int i, Vector512<float> row);
}

/// <summary>Float rows <paramref name="stride"/> floats apart.</summary>
internal readonly unsafe struct FloatRows : IRowSource
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Row(void* src, nint stride, int r) => Vector512.Load((float*)src + (r * stride));
}

/// <summary>The first 12 float rows; rows 12–15 are zero (A panels are 12 rows).</summary>
internal readonly unsafe struct FloatRows12 : IRowSource
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Row(void* src, nint stride, int r) =>
        r < 12 ? Vector512.Load((float*)src + (r * stride)) : Vector512<float>.Zero;
}

/// <summary>BF16 rows <paramref name="stride"/> elements apart, widened exactly (shift into the high half).</summary>
internal readonly unsafe struct BF16Rows : IRowSource
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Row(void* src, nint stride, int r) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)src + (r * stride))), 16).AsSingle();
}

/// <summary>32-bit pairs of BF16 rows <paramref name="stride"/> elements apart (bits untouched).</summary>
internal readonly unsafe struct BF16PairRows : IRowSource
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Row(void* src, nint stride, int r) => Vector512.Load((float*)((ushort*)src + (r * stride)));
}

/// <summary>The first 12 float rows, 32 floats each rounded to 16 bf16 pairs; rows 12–15 are zero.</summary>
internal readonly unsafe struct RoundedPairRows12 : IRowSource
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Row(void* src, nint stride, int r)
    {
        if (r >= 12)
        {
            return Vector512<float>.Zero;
        }
        float* p = (float*)src + (r * stride);
        return Vector512.Narrow(Bf16Packing.RoundToBF16(Vector512.Load(p)), Bf16Packing.RoundToBF16(Vector512.Load(p + 16))).AsSingle();
    }
}

/// <summary>All 16 lanes, rows <paramref name="stride"/> floats apart.</summary>
internal readonly unsafe struct Lanes16 : IRowSink
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* dst, nint stride, int i, Vector512<float> row) => row.Store(dst + (i * stride));
}

/// <summary>The first 12 lanes (one 256-bit and one 128-bit store), rows 12 floats apart.</summary>
internal readonly unsafe struct Lanes12 : IRowSink
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* dst, nint stride, int i, Vector512<float> row)
    {
        row.GetLower().Store(dst + (i * 12));
        row.GetUpper().GetLower().Store(dst + (i * 12) + 8);
    }
}

/// <summary>In-register 16×16 transposes.</summary>
internal static unsafe class Transpose16
{
    /// <summary>
    /// <c>out[i][r] = source row r, lane i</c>. Stage b swaps bit b of the row index with bit b of the
    /// lane index (one two-source permute per output row), so after 4 stages (row, lane) → (lane, row).
    /// </summary>
    /// <remarks>Too large to inline; a call per 256 elements costs nothing. Optimized up front (no tier-0 phase).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TSource, TSink>(void* src, nint stride, float* dst, nint dstStride)
        where TSource : struct, IRowSource
        where TSink : struct, IRowSink
    {
        Vector512<float> r0 = TSource.Row(src, stride, 0), r1 = TSource.Row(src, stride, 1), r2 = TSource.Row(src, stride, 2), r3 = TSource.Row(src, stride, 3),
            r4 = TSource.Row(src, stride, 4), r5 = TSource.Row(src, stride, 5), r6 = TSource.Row(src, stride, 6), r7 = TSource.Row(src, stride, 7);
        Vector512<float> r8 = TSource.Row(src, stride, 8), r9 = TSource.Row(src, stride, 9), r10 = TSource.Row(src, stride, 10), r11 = TSource.Row(src, stride, 11),
            r12 = TSource.Row(src, stride, 12), r13 = TSource.Row(src, stride, 13), r14 = TSource.Row(src, stride, 14), r15 = TSource.Row(src, stride, 15);
        Vector512<int> low = Vector512.Create(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        Vector512<int> high = Vector512.Create(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
        Vector512<float> s0 = Avx512F.PermuteVar16x32x2(r0, low, r1), s1 = Avx512F.PermuteVar16x32x2(r0, high, r1),
            s2 = Avx512F.PermuteVar16x32x2(r2, low, r3), s3 = Avx512F.PermuteVar16x32x2(r2, high, r3),
            s4 = Avx512F.PermuteVar16x32x2(r4, low, r5), s5 = Avx512F.PermuteVar16x32x2(r4, high, r5),
            s6 = Avx512F.PermuteVar16x32x2(r6, low, r7), s7 = Avx512F.PermuteVar16x32x2(r6, high, r7),
            s8 = Avx512F.PermuteVar16x32x2(r8, low, r9), s9 = Avx512F.PermuteVar16x32x2(r8, high, r9),
            s10 = Avx512F.PermuteVar16x32x2(r10, low, r11), s11 = Avx512F.PermuteVar16x32x2(r10, high, r11),
            s12 = Avx512F.PermuteVar16x32x2(r12, low, r13), s13 = Avx512F.PermuteVar16x32x2(r12, high, r13),
            s14 = Avx512F.PermuteVar16x32x2(r14, low, r15), s15 = Avx512F.PermuteVar16x32x2(r14, high, r15);
        low = Vector512.Create(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        high = Vector512.Create(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
        Vector512<float> t0 = Avx512F.PermuteVar16x32x2(s0, low, s2), t1 = Avx512F.PermuteVar16x32x2(s1, low, s3),
            t2 = Avx512F.PermuteVar16x32x2(s0, high, s2), t3 = Avx512F.PermuteVar16x32x2(s1, high, s3),
            t4 = Avx512F.PermuteVar16x32x2(s4, low, s6), t5 = Avx512F.PermuteVar16x32x2(s5, low, s7),
            t6 = Avx512F.PermuteVar16x32x2(s4, high, s6), t7 = Avx512F.PermuteVar16x32x2(s5, high, s7),
            t8 = Avx512F.PermuteVar16x32x2(s8, low, s10), t9 = Avx512F.PermuteVar16x32x2(s9, low, s11),
            t10 = Avx512F.PermuteVar16x32x2(s8, high, s10), t11 = Avx512F.PermuteVar16x32x2(s9, high, s11),
            t12 = Avx512F.PermuteVar16x32x2(s12, low, s14), t13 = Avx512F.PermuteVar16x32x2(s13, low, s15),
            t14 = Avx512F.PermuteVar16x32x2(s12, high, s14), t15 = Avx512F.PermuteVar16x32x2(s13, high, s15);
        low = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        high = Vector512.Create(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
        Vector512<float> u0 = Avx512F.PermuteVar16x32x2(t0, low, t4), u1 = Avx512F.PermuteVar16x32x2(t1, low, t5),
            u2 = Avx512F.PermuteVar16x32x2(t2, low, t6), u3 = Avx512F.PermuteVar16x32x2(t3, low, t7),
            u4 = Avx512F.PermuteVar16x32x2(t0, high, t4), u5 = Avx512F.PermuteVar16x32x2(t1, high, t5),
            u6 = Avx512F.PermuteVar16x32x2(t2, high, t6), u7 = Avx512F.PermuteVar16x32x2(t3, high, t7),
            u8 = Avx512F.PermuteVar16x32x2(t8, low, t12), u9 = Avx512F.PermuteVar16x32x2(t9, low, t13),
            u10 = Avx512F.PermuteVar16x32x2(t10, low, t14), u11 = Avx512F.PermuteVar16x32x2(t11, low, t15),
            u12 = Avx512F.PermuteVar16x32x2(t8, high, t12), u13 = Avx512F.PermuteVar16x32x2(t9, high, t13),
            u14 = Avx512F.PermuteVar16x32x2(t10, high, t14), u15 = Avx512F.PermuteVar16x32x2(t11, high, t15);
        low = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        high = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        Vector512<float> v0 = Avx512F.PermuteVar16x32x2(u0, low, u8), v1 = Avx512F.PermuteVar16x32x2(u1, low, u9),
            v2 = Avx512F.PermuteVar16x32x2(u2, low, u10), v3 = Avx512F.PermuteVar16x32x2(u3, low, u11),
            v4 = Avx512F.PermuteVar16x32x2(u4, low, u12), v5 = Avx512F.PermuteVar16x32x2(u5, low, u13),
            v6 = Avx512F.PermuteVar16x32x2(u6, low, u14), v7 = Avx512F.PermuteVar16x32x2(u7, low, u15),
            v8 = Avx512F.PermuteVar16x32x2(u0, high, u8), v9 = Avx512F.PermuteVar16x32x2(u1, high, u9),
            v10 = Avx512F.PermuteVar16x32x2(u2, high, u10), v11 = Avx512F.PermuteVar16x32x2(u3, high, u11),
            v12 = Avx512F.PermuteVar16x32x2(u4, high, u12), v13 = Avx512F.PermuteVar16x32x2(u5, high, u13),
            v14 = Avx512F.PermuteVar16x32x2(u6, high, u14), v15 = Avx512F.PermuteVar16x32x2(u7, high, u15);
        TSink.Store(dst, dstStride, 0, v0);
        TSink.Store(dst, dstStride, 1, v1);
        TSink.Store(dst, dstStride, 2, v2);
        TSink.Store(dst, dstStride, 3, v3);
        TSink.Store(dst, dstStride, 4, v4);
        TSink.Store(dst, dstStride, 5, v5);
        TSink.Store(dst, dstStride, 6, v6);
        TSink.Store(dst, dstStride, 7, v7);
        TSink.Store(dst, dstStride, 8, v8);
        TSink.Store(dst, dstStride, 9, v9);
        TSink.Store(dst, dstStride, 10, v10);
        TSink.Store(dst, dstStride, 11, v11);
        TSink.Store(dst, dstStride, 12, v12);
        TSink.Store(dst, dstStride, 13, v13);
        TSink.Store(dst, dstStride, 14, v14);
        TSink.Store(dst, dstStride, 15, v15);
    }
}
