// Packing for the AMX BF16 kernel. A: per step of 32 k, [32 rows][16 bf16 pairs] (each x row's 32
// floats rounded to bf16 and stored as one 64-byte tile row, no transpose needed); B: the same
// [slot][32 columns] pair layout as the vdpbf16ps kernel. Both are zero-padded to whole 16-slot steps.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Gemm;

/// <summary>bf16 panel packing for <see cref="AmxKernel"/>.</summary>
internal static unsafe class AmxPacking
{
    /// <summary>Slots (bf16 pairs) of <paramref name="kc"/> k values, rounded up to whole 16-slot tile steps.</summary>
    public static int PaddedSlots(int kc) => (((kc + 1) / 2) + 15) / 16 * 16;

    /// <summary>
    /// <c>dst[(t·32 + r)·16 + j]</c> = bf16 pair of x row r at k0 + 32t + 2j (round to nearest even);
    /// rows ≥ <paramref name="rows"/> and k ≥ kc are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* x, int ldx, int rows, int k0, int kc, uint* dst)
    {
        int steps = PaddedSlots(kc) / 16;
        for (int t = 0; t < steps; t++)
        {
            int kk = 32 * t;
            for (int r = 0; r < 32; r++)
            {
                uint* d = dst + (((t * 32) + r) * 16);
                float* src = x + ((long)r * ldx) + k0 + kk;
                if (r < rows && kk + 32 <= kc && Avx512F.IsSupported)
                {
                    Vector512.Narrow(Bf16Packing.RoundToBF16(Vector512.Load(src)), Bf16Packing.RoundToBF16(Vector512.Load(src + 16)))
                        .AsUInt32().Store(d);
                    continue;
                }
                for (int j = 0; j < 16; j++)
                {
                    int k = kk + (2 * j);
                    uint pair = 0;
                    if (r < rows && k < kc)
                    {
                        pair = Numerics.FloatToBF16(src[2 * j]);
                        if (k + 1 < kc)
                        {
                            pair |= (uint)Numerics.FloatToBF16(src[(2 * j) + 1]) << 16;
                        }
                    }
                    d[j] = pair;
                }
            }
        }
    }

    /// <summary>The vdpbf16ps kernel's B layout ([slot][32] pairs), then zero slots up to the padded count.</summary>
    public static void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, uint* dst)
    {
        Bf16Packing.PackB32(w, dtype, ldw, cols, k0, kc, dst);
        int slots = (kc + 1) / 2;
        new Span<uint>(dst + (slots * 32), (PaddedSlots(kc) - slots) * 32).Clear();
    }
}
