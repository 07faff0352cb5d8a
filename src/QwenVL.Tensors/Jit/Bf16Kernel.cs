// The vdpbf16ps FastBf16 micro-kernel: run-time generated code (Bf16KernelCode) behind an unmanaged
// function pointer, plus a scalar model of the instruction the tests hold it to bit for bit. Needs
// Linux x64 with avx512_bf16 (.NET 10 has no Avx512Bf16 intrinsics). Measured here (Emerald Rapids):
// 1.3 G vdpbf16ps/s vs 5.4 G vfmadd231ps/s per core, i.e. half the float32 rate: only AMX's fallback.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using QwenVL.Tensors.Jit;

namespace QwenVL.Tensors.Gemm;

/// <summary>12 × 32 tile over bf16 pairs (KStep = 2): activations are rounded to bf16 when packed.</summary>
internal readonly unsafe struct Bf16Kernel : IGemmKernel
{
    /// <summary>True when the CPU, OS and runtime allow the generated kernel (checked once).</summary>
    public static bool IsAvailable => Bf16Jit.Code != null;

    /// <summary>CPUID leaf 7 subleaf 1 EAX bit 5 (AVX512_BF16), on a runtime that enabled AVX-512 (so the OS saves zmm/k state).</summary>
    public static bool CpuSupportsBf16 =>
        RuntimeInformation.ProcessArchitecture == Architecture.X64
        && Avx512F.IsSupported && Avx512BW.IsSupported
        && (X86Base.CpuId(7, 1).Eax & (1 << 5)) != 0;

    public static int MR => Bf16KernelCode.MR;
    public static int NR => Bf16KernelCode.NR;
    public static int KStep => 2;

    public static void PackA(float* x, int ldx, int rows, int k0, int kc, float* dst) =>
        Bf16Packing.PackA12(x, ldx, rows, k0, kc, (uint*)dst);

    public static void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch) =>
        Bf16Packing.PackB32(w, dtype, ldw, cols, k0, kc, (uint*)dst);

    public static void Tile(float* a, float* b, int slots, float* c, nint ldc, float* init) =>
        ((delegate* unmanaged[SuppressGCTransition]<float*, float*, nint, float*, nint, float*, void>)Bf16Jit.Code)(
            a, b, slots, c, ldc * sizeof(float), init);

    /// <summary>
    /// Scalar model of the kernel: per lane, for each slot, <c>acc += b.hi·a.hi</c> then <c>acc += b.lo·a.lo</c>
    /// in float32 (the order of Intel's VDPBF16PS pseudocode; bf16 products are exact in float32, so
    /// each step rounds once), then <c>C = (init ?? C) + acc</c>. Matches the hardware bit for bit
    /// away from subnormals, which the instruction flushes.
    /// </summary>
    public static void TileReference(uint* a, uint* b, int slots, float* c, nint ldc, float* init)
    {
        for (int r = 0; r < MR; r++)
        {
            for (int j = 0; j < NR; j++)
            {
                float acc = 0f;
                for (int s = 0; s < slots; s++)
                {
                    uint pa = a[(s * MR) + r], pb = b[(s * NR) + j];
                    acc += High(pb) * High(pa);
                    acc += Low(pb) * Low(pa);
                }
                float* dst = c + (r * ldc) + j;
                *dst = (init != null ? init[j] : *dst) + acc;
            }
        }
    }

    private static float Low(uint pair) => BitConverter.UInt32BitsToSingle(pair << 16);

    private static float High(uint pair) => BitConverter.UInt32BitsToSingle(pair & 0xFFFF_0000u);
}

/// <summary>The generated code, created on first use and kept for the process lifetime.</summary>
internal static unsafe class Bf16Jit
{
    /// <summary>Entry point of the kernel, or null where it cannot run.</summary>
    public static readonly void* Code = Bf16Kernel.CpuSupportsBf16 ? ExecutableMemory.TryCreate(Bf16KernelCode.Build()) : null;
}
