// Cache-blocking sizes of the packed GEMM and the reasons for them. The defaults are tuned for
// this project's reference machine (Sapphire Rapids: 48 KiB L1d and 2 MiB L2 per core) and are
// safe elsewhere; tests shrink them to push odd shapes through every block edge.
namespace QwenVL.Tensors.Gemm;

/// <summary>Block sizes of the GotoBLAS loop nest (k elements, x-rows, output columns).</summary>
/// <param name="KC">k elements per packed block. The B micro-panel (KC/KStep slots × NR × 4 bytes) stays in L1.</param>
/// <param name="MC">x-rows per packed A block (MC × KC × 4 bytes stays in L2).</param>
/// <param name="NC">Output columns per packed B block (NC × KC × 4 bytes stays in L2 beside A).</param>
internal readonly record struct GemmBlocking(int KC, int MC, int NC)
{
    /// <summary>
    /// Float32 kernels: KC = 256 makes the 12×32 kernel's B micro-panel 32 KiB (of 48 KiB L1) with the
    /// 12 KiB A micro-panel beside it; MC = 384 (32 tiles of 12) is a 384 KiB A block and NC = 1024
    /// a 1 MiB B block, together ~1.4 MiB of the 2 MiB L2. Smaller kernels (6×16, 6×8) use the
    /// same numbers: their panels are smaller, so they fit any L1 ≥ 32 KiB.
    /// </summary>
    public static GemmBlocking Float32 { get; } = new(KC: 256, MC: 384, NC: 1024);

    /// <summary>
    /// BF16 pair kernel: 512 k elements are 256 four-byte slots, the same bytes per block as
    /// <see cref="Float32"/> while each block carries twice the multiply-adds.
    /// </summary>
    public static GemmBlocking Bf16 { get; } = new(KC: 512, MC: 384, NC: 1024);
}
