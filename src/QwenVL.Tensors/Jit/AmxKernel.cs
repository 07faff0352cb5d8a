// The AMX FastBf16 GEMM micro-kernel (32 × 32 tile, tdpbf16ps): run-time generated code called
// through unmanaged function pointers, the Linux permission request it needs (arch_prctl
// ARCH_REQ_XCOMP_PERM for XTILEDATA), per-partition tile configure/release, and a scalar model of
// the kernel that tests compare it with. Unavailable (never called) without AMX-BF16 or off Linux x64.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using QwenVL.Tensors.Jit;

namespace QwenVL.Tensors.Gemm;

/// <summary>32 × 32 tile over bf16 pairs on the AMX tile unit.</summary>
internal readonly unsafe struct AmxKernel : IGemmKernel
{
    /// <summary>True when the CPU has AMX-TILE and AMX-BF16, Linux granted tile data, and the code was mapped.</summary>
    public static bool IsAvailable => AmxJit.Tile != null;

    public static int MR => AmxKernelCode.MR;
    public static int NR => AmxKernelCode.NR;
    public static int KStep => 2;
    public static int SlotAlign => AmxKernelCode.SlotsPerStep;

    public static void Begin() => ((delegate* unmanaged[SuppressGCTransition]<byte*, void>)AmxJit.Configure)(AmxJit.Config);

    public static void End() => ((delegate* unmanaged[SuppressGCTransition]<void>)AmxJit.Release)();

    public static void PackA(float* x, int ldx, int rows, int k0, int kc, float* dst) => AmxPacking.PackA(x, ldx, rows, k0, kc, (uint*)dst);

    public static void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch) =>
        AmxPacking.PackB(w, dtype, ldw, cols, k0, kc, (uint*)dst);

    public static void Tile(float* a, float* b, int slots, float* c, nint ldc, float* init) =>
        ((delegate* unmanaged[SuppressGCTransition]<float*, float*, nint, float*, nint, float*, void>)AmxJit.Tile)(
            a, b, slots, c, ldc * sizeof(float), init);

    /// <summary>
    /// Scalar model: per output, starting from 0, for each slot <c>acc += a.lo·b.lo</c> then
    /// <c>acc += a.hi·b.hi</c> in float32, then <c>C = (init ?? C) + acc</c>. The kernel is compared
    /// with it at a tolerance, not bitwise: the tile unit's internal summation order is not documented
    /// beyond "per pair".
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
                    uint pa = a[(((s / 16 * 32) + r) * 16) + (s % 16)], pb = b[(s * NR) + j];
                    acc += BitConverter.UInt32BitsToSingle(pa << 16) * BitConverter.UInt32BitsToSingle(pb << 16);
                    acc += BitConverter.UInt32BitsToSingle(pa & 0xFFFF_0000u) * BitConverter.UInt32BitsToSingle(pb & 0xFFFF_0000u);
                }
                float* dst = c + (r * ldc) + j;
                *dst = (init != null ? init[j] : *dst) + acc;
            }
        }
    }
}

/// <summary>The AMX code and tile configuration, created on first use and kept for the process lifetime.</summary>
internal static unsafe partial class AmxJit
{
    public static readonly void* Tile;
    public static readonly void* Configure;
    public static readonly void* Release;
    public static readonly byte* Config;

    private const int ArchReqXcompPerm = 0x1023, XFeatureXTileData = 18, SysArchPrctl = 158;

    static AmxJit()
    {
        if (!CpuSupportsAmxBf16 || !RequestTilePermission())
        {
            return;
        }
        void* configure = ExecutableMemory.TryCreate(AmxKernelCode.BuildConfigure());
        void* release = ExecutableMemory.TryCreate(AmxKernelCode.BuildRelease());
        void* tile = ExecutableMemory.TryCreate(AmxKernelCode.BuildTile());
        if (configure == null || release == null || tile == null)
        {
            return;
        }
        Config = (byte*)NativeMemory.AlignedAlloc(64, 64);
        AmxKernelCode.TileConfig().CopyTo(new Span<byte>(Config, 64));
        Configure = configure;
        Release = release;
        Tile = tile;
    }

    /// <summary>CPUID leaf 7 subleaf 0 EDX bit 22 (AMX-BF16) and bit 24 (AMX-TILE), on Linux x64 with AVX-512 enabled.</summary>
    public static bool CpuSupportsAmxBf16 =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && Avx512F.IsSupported
        && (X86Base.CpuId(7, 0).Edx & ((1 << 22) | (1 << 24))) == ((1 << 22) | (1 << 24));

    /// <summary>Linux ≥ 5.16 gives a process the 8 KiB tile state only on request (else tile use faults).</summary>
    private static bool RequestTilePermission()
    {
        try
        {
            return Syscall(SysArchPrctl, ArchReqXcompPerm, XFeatureXTileData) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial nint Syscall(nint number, nint argument1, nint argument2);
}
