// Which vector width the CPU backend's own kernels use. Chosen once at construction from what the
// hardware accelerates, capped by the caller so tests can force every path on every machine.
// It does not govern TensorPrimitives calls, which pick their own instructions.
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors;

/// <summary>Vector width of the CPU kernels.</summary>
public enum SimdLevel
{
    /// <summary>Plain scalar float loops.</summary>
    Scalar,

    /// <summary>128-bit vectors (SSE / NEON).</summary>
    Vector128,

    /// <summary>256-bit vectors (AVX2).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,

    /// <summary>The widest level the hardware accelerates.</summary>
    Best,
}

/// <summary>Run-time detection of <see cref="SimdLevel"/>.</summary>
public static class SimdLevels
{
    /// <summary>The widest level this machine accelerates.</summary>
    public static SimdLevel Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512
        : Vector256.IsHardwareAccelerated ? SimdLevel.Vector256
        : Vector128.IsHardwareAccelerated ? SimdLevel.Vector128
        : SimdLevel.Scalar;

    /// <summary>The level actually used when at most <paramref name="max"/> is asked for.</summary>
    public static SimdLevel Resolve(SimdLevel max) => max >= Best ? Best : max;

    /// <summary>Short lowercase name used in backend names: "scalar", "v128", "v256", "v512".</summary>
    public static string ShortName(SimdLevel level) => level switch
    {
        SimdLevel.Scalar => "scalar",
        SimdLevel.Vector128 => "v128",
        SimdLevel.Vector256 => "v256",
        SimdLevel.Vector512 => "v512",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "not a concrete level"),
    };
}
