// Cache-blocking sizes of the packed GEMM and the reasons for them. The defaults are tuned for
// this project's reference machine (Emerald Rapids: 48 KiB L1d and 2 MiB L2 per core) and are
// safe elsewhere; tests shrink them to push odd shapes through every block edge.
namespace QwenVL.Tensors.Gemm;

/// <summary>Block sizes of the GotoBLAS loop nest (k elements, x-rows, output columns).</summary>
/// <param name="KC">k elements per packed block; the A micro-panel (MR × KC) stays in L1 across a row of tiles.</param>
/// <param name="MC">x-rows per packed A block (MC × KC stays in L2).</param>
/// <param name="NC">Output columns per packed B block (NC × KC stays in L2 beside A; B panels stream from it).</param>
internal readonly record struct GemmBlocking(int KC, int MC, int NC)
{
    /// <summary>
    /// Float32 kernels: KC = 256 makes the 12×32 kernel's A micro-panel 12 KiB and each B micro-panel
    /// 32 KiB (both in the 48 KiB L1 while a tile runs); MC = 384 (32 tiles of 12) is a 384 KiB A block
    /// and NC = 1024 a 1 MiB B block, together ~1.4 MiB of the 2 MiB L2. Measured, one core,
    /// 1200×1280·1280×3840 BF16: 142 GFLOP/s (NC = 4096 with B in L3: 86–130).
    /// </summary>
    public static GemmBlocking Float32 { get; } = new(KC: 256, MC: 384, NC: 1024);

    /// <summary>
    /// BF16 pair kernels: 512 k elements are 256 four-byte slots, the same bytes per block as
    /// <see cref="Float32"/>. For AMX (32×32 tiles) the 32 KiB A micro-panel fills most of L1; KC = 256
    /// measured 424 GFLOP/s and KC = 1024 227, against 516 for 512 (1200×3420·3420×1280, one core).
    /// </summary>
    public static GemmBlocking Bf16 { get; } = new(KC: 512, MC: 384, NC: 1024);
}
