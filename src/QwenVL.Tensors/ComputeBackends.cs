// Creates a backend from its command-line name. The names are a stable user-facing vocabulary
// (CLI flags, benchmark logs); the instances' Name properties add what was actually chosen.
// It does not pick a backend automatically beyond "cpu" meaning the widest SIMD level.
namespace QwenVL.Tensors;

/// <summary>Factory for <see cref="IComputeBackend"/> by name.</summary>
public static class ComputeBackends
{
    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["reference", "cpu", "cpu-scalar", "cpu-v128", "cpu-v256", "cpu-v512", "cpu-bf16"];

    /// <summary>
    /// Creates the backend called <paramref name="name"/>. "cpu-vNNN" asks for at most that vector
    /// width (the hardware may cap it lower). "cpu-bf16" is "cpu" with <see cref="MatMulPrecision.FastBf16"/>
    /// (activations rounded to bf16 in prefill-sized matmuls) where the CPU supports it. Dispose the result if it is <see cref="IDisposable"/>.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/>, case-insensitive.</param>
    /// <param name="threads">Compute threads for CPU backends; 0 means all processors.</param>
    public static IComputeBackend Create(string name, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "reference" => new ReferenceBackend(),
            "cpu" => new CpuBackend(threads, SimdLevel.Best),
            "cpu-scalar" => new CpuBackend(threads, SimdLevel.Scalar),
            "cpu-v128" => new CpuBackend(threads, SimdLevel.Vector128),
            "cpu-v256" => new CpuBackend(threads, SimdLevel.Vector256),
            "cpu-v512" => new CpuBackend(threads, SimdLevel.Vector512),
            "cpu-bf16" => new CpuBackend(threads, SimdLevel.Best, MatMulPrecision.FastBf16),
            _ => throw new ArgumentException(
                $"unknown compute backend '{name}'; valid names: {string.Join(", ", Names)}", nameof(name)),
        };
    }
}
