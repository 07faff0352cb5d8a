// The 8×8 register transpose behind the AVX2 packing path of the 6×16 float kernel, with float or
// BF16 (widened exactly) weight rows as its source. Only reached where Avx2.IsSupported; the caller
// keeps the portable loop for edges. 8 loads, 24 shuffles, 8 stores per 64 values, against one
// scalar store per value (plus a widening pass) in the portable packer: on the AVX2 EPYC that
// packer was ~14% of a BF16 prefill GEMM.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Gemm;

/// <summary>Produces row <c>r</c> (8 lanes) of an 8×8 block.</summary>
internal unsafe interface IRowSource8
{
    static abstract Vector256<float> Row(void* src, nint stride, int r);
}

/// <summary>Float rows <paramref name="stride"/> floats apart.</summary>
internal readonly unsafe struct FloatRows8 : IRowSource8
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Row(void* src, nint stride, int r) => Vector256.Load((float*)src + (r * stride));
}

/// <summary>BF16 rows <paramref name="stride"/> elements apart, widened exactly (shift into the high half).</summary>
internal readonly unsafe struct BF16Rows8 : IRowSource8
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Row(void* src, nint stride, int r) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)src + (r * stride)), 16).AsSingle();
}

/// <summary>In-register 8×8 transposes.</summary>
internal static unsafe class Transpose8
{
    /// <summary>
    /// <c>dst[i·dstStride + r] = source row r, lane i</c>: pairs of rows interleave (unpack), pairs of
    /// pairs combine within 128-bit halves (shuffle), then the halves swap across rows 0–3 and 4–7.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TSource>(void* src, nint stride, float* dst, nint dstStride)
        where TSource : struct, IRowSource8
    {
        Vector256<float> r0 = TSource.Row(src, stride, 0), r1 = TSource.Row(src, stride, 1), r2 = TSource.Row(src, stride, 2), r3 = TSource.Row(src, stride, 3);
        Vector256<float> r4 = TSource.Row(src, stride, 4), r5 = TSource.Row(src, stride, 5), r6 = TSource.Row(src, stride, 6), r7 = TSource.Row(src, stride, 7);
        // t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5], t1 the same for lanes 2, 3 | 6, 7.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        // s0 = rows 0–3 of lane 0 | of lane 4; s1 lanes 1 | 5, s2 lanes 2 | 6, s3 lanes 3 | 7.
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).Store(dst);
        Avx.Permute2x128(s1, s5, 0x20).Store(dst + dstStride);
        Avx.Permute2x128(s2, s6, 0x20).Store(dst + (2 * dstStride));
        Avx.Permute2x128(s3, s7, 0x20).Store(dst + (3 * dstStride));
        Avx.Permute2x128(s0, s4, 0x31).Store(dst + (4 * dstStride));
        Avx.Permute2x128(s1, s5, 0x31).Store(dst + (5 * dstStride));
        Avx.Permute2x128(s2, s6, 0x31).Store(dst + (6 * dstStride));
        Avx.Permute2x128(s3, s7, 0x31).Store(dst + (7 * dstStride));
    }
}
