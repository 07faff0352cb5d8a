// Packing for the FastBf16 GEMM: x rows are rounded to bf16 (round-to-nearest-even, as
// Numerics.FloatToBF16) and both operands are laid out as 4-byte pairs (k, k+1), k-major:
// A: [slot][12], B: [slot][32], the operands vdpbf16ps multiplies. An odd k ends with a zero half.
// The AVX-512 versions transpose 16×16 pairs in registers; the portable loops are their reference.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Gemm;

/// <summary>bf16-pair panel packing for <see cref="Bf16Kernel"/>.</summary>
internal static unsafe class Bf16Packing
{
    /// <summary><c>dst[s·12 + r] = bf16(x[r, k0+2s]) | bf16(x[r, k0+2s+1]) ≪ 16</c>; padded rows and the missing odd half are 0.</summary>
    public static void PackA(float* x, int ldx, int rows, int k0, int kc, uint* dst)
    {
        int slots = (kc + 1) / 2;
        for (int r = 0; r < 12; r++)
        {
            float* src = x + ((long)r * ldx) + k0;
            for (int s = 0; s < slots; s++)
            {
                uint pair = 0;
                if (r < rows)
                {
                    pair = Numerics.FloatToBF16(src[2 * s]);
                    if ((2 * s) + 1 < kc)
                    {
                        pair |= (uint)Numerics.FloatToBF16(src[(2 * s) + 1]) << 16;
                    }
                }
                dst[(s * 12) + r] = pair;
            }
        }
    }

    /// <summary><see cref="PackA"/> 16 slots (32 k) at a time: vector rounding, then a 16×16 transpose.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void PackA12(float* x, int ldx, int rows, int k0, int kc, uint* dst)
    {
        if (!Avx512F.IsSupported || rows != 12 || kc < 32)
        {
            PackA(x, ldx, rows, k0, kc, dst);
            return;
        }
        int kk = 0;
        for (; kk + 32 <= kc; kk += 32)
        {
            Transpose16.Run<RoundedPairRows12, Lanes12>(x + k0 + kk, ldx, (float*)dst + ((long)(kk / 2) * 12), 12);
        }
        if (kk < kc)
        {
            PackA(x + kk, ldx, rows, k0, kc - kk, dst + ((long)(kk / 2) * 12));
        }
    }

    /// <summary>
    /// <c>dst[s·32 + c]</c> = the bf16 pair of weight row c at k0+2s (rounded from F32/F16, taken as is
    /// from BF16); padded columns and the missing odd half are 0.
    /// </summary>
    public static void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, uint* dst)
    {
        int slots = (kc + 1) / 2;
        for (int c = 0; c < 32; c++)
        {
            for (int s = 0; s < slots; s++)
            {
                uint pair = 0;
                if (c < cols)
                {
                    long at = ((long)c * ldw) + k0 + (2 * s);
                    pair = WeightBF16(w, dtype, at);
                    if ((2 * s) + 1 < kc)
                    {
                        pair |= (uint)WeightBF16(w, dtype, at + 1) << 16;
                    }
                }
                dst[(s * 32) + c] = pair;
            }
        }
    }

    /// <summary><see cref="PackB"/> for full panels of BF16 weights: rows are already pairs, so it is a pure 32-bit transpose.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void PackB32(byte* w, DType dtype, int ldw, int cols, int k0, int kc, uint* dst)
    {
        if (!Avx512F.IsSupported || dtype != DType.BF16 || cols != 32 || kc < 32 || k0 % 2 != 0)
        {
            PackB(w, dtype, ldw, cols, k0, kc, dst);
            return;
        }
        ushort* rows = (ushort*)w + k0;
        int kk = 0;
        for (; kk + 32 <= kc; kk += 32)
        {
            for (int half = 0; half < 32; half += 16)
            {
                Transpose16.Run<BF16PairRows, Lanes16>(rows + (half * (long)ldw) + kk, ldw, (float*)dst + ((long)(kk / 2) * 32) + half, 32);
            }
        }
        if (kk < kc)
        {
            PackB(w, dtype, ldw, cols, k0 + kk, kc - kk, dst + ((long)(kk / 2) * 32));
        }
    }

    /// <summary>Per lane <see cref="Numerics.FloatToBF16"/>: the bf16 bits in the low half of each uint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> RoundToBF16(Vector512<float> value)
    {
        Vector512<uint> bits = value.AsUInt32();
        Vector512<uint> rounded = (bits + Vector512.Create(0x7FFFu) + ((bits >> 16) & Vector512<uint>.One)) >> 16;
        Vector512<uint> nan = (bits >> 16) | Vector512.Create(0x40u);
        Vector512<uint> isNaN = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        return Vector512.ConditionalSelect(isNaN, nan, rounded);
    }

    private static uint WeightBF16(byte* w, DType dtype, long at) => dtype switch
    {
        DType.BF16 => ((ushort*)w)[at],
        DType.F16 => Numerics.FloatToBF16((float)((Half*)w)[at]),
        _ => Numerics.FloatToBF16(((float*)w)[at]),
    };
}
