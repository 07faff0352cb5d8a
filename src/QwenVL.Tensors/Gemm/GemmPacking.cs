// Packing for the float32 GEMM: copies a block of x rows and a block of weight rows into the
// k-major panel layouts the micro-kernels stream (A: [k][MR], B: [k][NR]), widening BF16/F16
// weights to float once per block. Edges are zero-padded so kernels always run whole tiles.
// Packing is a transpose; with AVX-512 it runs as 16×16 register transposes (Transpose16).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Gemm;

/// <summary>Panel packing shared by the float32 micro-kernels.</summary>
internal static unsafe class GemmPacking
{
    /// <summary><c>dst[kk·mr + r] = x[r, k0 + kk]</c> for r &lt; <paramref name="rows"/>, zero for the padded rows (portable).</summary>
    public static void PackA(float* x, int ldx, int rows, int k0, int kc, float* dst, int mr)
    {
        for (int r = 0; r < rows; r++)
        {
            float* src = x + ((long)r * ldx) + k0;
            float* d = dst + r;
            for (int kk = 0; kk < kc; kk++)
            {
                d[(long)kk * mr] = src[kk];
            }
        }
        for (int r = rows; r < mr; r++)
        {
            for (int kk = 0; kk < kc; kk++)
            {
                dst[((long)kk * mr) + r] = 0f;
            }
        }
    }

    /// <summary><see cref="PackA"/> for 12-row panels: 16 k at a time through a 16×16 transpose (rows 12–15 zero).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void PackA12(float* x, int ldx, int rows, int k0, int kc, float* dst)
    {
        if (!Avx512F.IsSupported || rows != 12 || kc < 16)
        {
            PackA(x, ldx, rows, k0, kc, dst, 12);
            return;
        }
        int kk = 0;
        for (; kk + 16 <= kc; kk += 16)
        {
            Transpose16.Run<FloatRows12, Lanes12>(x + k0 + kk, ldx, dst + ((long)kk * 12), 12);
        }
        if (kk < kc)
        {
            PackA(x + kk, ldx, rows, k0, kc - kk, dst + ((long)kk * 12), 12);
        }
    }

    /// <summary>
    /// <c>dst[kk·nr + c] = W[c, k0 + kk]</c> (as float) for c &lt; <paramref name="cols"/>, zero for padded
    /// columns (portable). <paramref name="w"/> points at the first weight row; <paramref name="scratch"/>
    /// holds at least <paramref name="kc"/> floats for widening one row segment.
    /// </summary>
    public static void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch, int nr)
    {
        for (int c = 0; c < cols; c++)
        {
            float* src = WidenedSegment(w, dtype, ldw, c, k0, kc, scratch);
            float* d = dst + c;
            for (int kk = 0; kk < kc; kk++)
            {
                d[(long)kk * nr] = src[kk];
            }
        }
        for (int c = cols; c < nr; c++)
        {
            for (int kk = 0; kk < kc; kk++)
            {
                dst[((long)kk * nr) + c] = 0f;
            }
        }
    }

    /// <summary>
    /// <see cref="PackB"/> for 32-column panels: two 16×16 transposes per 16 k. BF16 rows are widened
    /// in registers; F16 rows are first widened into <paramref name="scratch"/> (32·kc floats).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void PackB32(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch)
    {
        if (!Avx512F.IsSupported || cols != 32 || kc < 16)
        {
            PackB(w, dtype, ldw, cols, k0, kc, dst, scratch, 32);
            return;
        }
        float* rows = null;
        long rowStride = ldw;
        if (dtype == DType.F32)
        {
            rows = (float*)w + k0;
        }
        else if (dtype == DType.F16)
        {
            for (int c = 0; c < 32; c++)
            {
                WidenedSegment(w, dtype, ldw, c, k0, kc, scratch + ((long)c * kc));
            }
            rows = scratch;
            rowStride = kc;
        }
        int kk = 0;
        for (; kk + 16 <= kc; kk += 16)
        {
            for (int half = 0; half < 32; half += 16)
            {
                float* d = dst + ((long)kk * 32) + half;
                if (rows != null)
                {
                    Transpose16.Run<FloatRows, Lanes16>(rows + (half * rowStride) + kk, (nint)rowStride, d, 32);
                }
                else
                {
                    Transpose16.Run<BF16Rows, Lanes16>((ushort*)w + (half * (long)ldw) + k0 + kk, ldw, d, 32);
                }
            }
        }
        if (kk < kc)
        {
            PackB(w, dtype, ldw, cols, k0 + kk, kc - kk, dst + ((long)kk * 32), scratch, 32);
        }
    }

    /// <summary>
    /// <see cref="PackB"/> for 16-column panels (the AVX2 kernel): two 8×8 transposes per 8 k. BF16 and
    /// F32 rows are read in registers; F16 rows and edges (fewer columns, a k tail) take the portable path.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void PackB16(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch)
    {
        if (!Avx2.IsSupported || cols != 16 || kc < 8 || dtype is not (DType.F32 or DType.BF16))
        {
            PackB(w, dtype, ldw, cols, k0, kc, dst, scratch, 16);
            return;
        }
        int kk = 0;
        for (; kk + 8 <= kc; kk += 8)
        {
            float* d = dst + ((long)kk * 16);
            if (dtype == DType.F32)
            {
                float* rows = (float*)w + k0 + kk;
                Transpose8.Run<FloatRows8>(rows, ldw, d, 16);
                Transpose8.Run<FloatRows8>(rows + (8L * ldw), ldw, d + 8, 16);
            }
            else
            {
                ushort* rows = (ushort*)w + k0 + kk;
                Transpose8.Run<BF16Rows8>(rows, ldw, d, 16);
                Transpose8.Run<BF16Rows8>(rows + (8L * ldw), ldw, d + 8, 16);
            }
        }
        if (kk < kc)
        {
            PackB(w, dtype, ldw, cols, k0 + kk, kc - kk, dst + ((long)kk * 16), scratch, 16);
        }
    }

    /// <summary>Weight row <paramref name="row"/>, elements [k0, k0 + kc), as floats: in place for F32, else widened into <paramref name="scratch"/>.</summary>
    public static float* WidenedSegment(byte* w, DType dtype, int ldw, int row, int k0, int kc, float* scratch)
    {
        if (dtype == DType.F32)
        {
            return (float*)w + ((long)row * ldw) + k0;
        }
        long offset = (((long)row * ldw) + k0) * 2;
        if (dtype == DType.BF16)
        {
            Numerics.WidenBF16(new ReadOnlySpan<ushort>(w + offset, kc), new Span<float>(scratch, kc));
        }
        else
        {
            System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(
                MemoryMarshal.Cast<byte, Half>(new ReadOnlySpan<byte>(w + offset, kc * 2)), new Span<float>(scratch, kc));
        }
        return scratch;
    }
}
