// Public face of the quantized kernels: which implementations this machine runs, the one chosen for
// a SimdLevel, and span-based entry points so tests and benchmarks can call every implementation
// directly (the AVX2 kernel is otherwise unreachable on a machine that has AVX-VNNI).
// The backend itself calls the pointer kernels through CpuBackend.Quantized.cs, not these wrappers.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

/// <summary>An implementation of the int8 dot products.</summary>
public enum QuantKernel
{
    /// <summary>Plain integer loops (the definition).</summary>
    Scalar,

    /// <summary>
    /// Portable 128-bit vectors (SSE2 / NEON); on the interleaved layouts ARM's sdot where the CPU has
    /// dotprod, else a widening multiply (Quant/InterleavedDot128.cs).
    /// </summary>
    Vector128,

    /// <summary>AVX2 vpmaddubsw + vpmaddwd.</summary>
    Avx2,

    /// <summary>AVX-VNNI 256-bit vpdpbusd.</summary>
    AvxVnni,

    /// <summary>
    /// <see cref="AvxVnni"/>, with K-quant decode taking pairs of 8-row groups through generated 512-bit
    /// vpdpbusd code (AVX512-VNNI, Linux x64: Jit/KQuantZmmCode.cs).
    /// </summary>
    AvxVnni512,
}

/// <summary>Selection of, and direct access to, the quantized dot-product kernels.</summary>
public static unsafe class QuantKernels
{
    /// <summary>True when this machine can run <paramref name="kernel"/>.</summary>
    public static bool IsSupported(QuantKernel kernel) => kernel switch
    {
        QuantKernel.Scalar => true,
        QuantKernel.Vector128 => Vector128.IsHardwareAccelerated,
        QuantKernel.Avx2 => Avx2.IsSupported,
        QuantKernel.AvxVnni => Avx2.IsSupported && AvxVnni.IsSupported,
        QuantKernel.AvxVnni512 => Avx2.IsSupported && AvxVnni.IsSupported && Jit.KQuantZmm.IsAvailable,
        _ => false,
    };

    /// <summary>Every kernel this machine can run, simplest first.</summary>
    public static IReadOnlyList<QuantKernel> Supported { get; } = [.. Enum.GetValues<QuantKernel>().Where(IsSupported)];

    /// <summary>
    /// The kernel a backend at <paramref name="level"/> uses: Scalar and Vector128 map to themselves;
    /// 512 bits take the generated 512-bit K-quant code where it is mapped; 256 and 512 bits take
    /// AVX-VNNI, else AVX2, else the portable 128-bit kernel (ARM64). .NET 10 exposes no 512-bit VNNI
    /// intrinsics, and a 512-bit vpmaddubsw pair does no more work per instruction than one 256-bit
    /// vpdpbusd, so every other 512-bit int8 kernel would need generated code too.
    /// </summary>
    public static QuantKernel ForLevel(SimdLevel level)
    {
        SimdLevel resolved = SimdLevels.Resolve(level);
        if (resolved >= SimdLevel.Vector512 && IsSupported(QuantKernel.AvxVnni512))
        {
            return QuantKernel.AvxVnni512;
        }
        if (resolved >= SimdLevel.Vector256)
        {
            if (IsSupported(QuantKernel.AvxVnni)) { return QuantKernel.AvxVnni; }
            if (IsSupported(QuantKernel.Avx2)) { return QuantKernel.Avx2; }
        }
        return resolved >= SimdLevel.Vector128 && IsSupported(QuantKernel.Vector128) ? QuantKernel.Vector128 : QuantKernel.Scalar;
    }

    /// <summary>
    /// Quantizes activations (a multiple of 32 values) to int8 blocks for a product with
    /// <paramref name="weights"/> (Q8_0 or Q4_0): per block one scale and one offset −bias·Σq
    /// (<see cref="WeightBias"/>) in <paramref name="offsets"/>.
    /// </summary>
    public static void QuantizeActivations(ReadOnlySpan<float> x, DType weights, Span<sbyte> q, Span<float> scales, Span<int> offsets, SimdLevel level = SimdLevel.Best)
    {
        if (x.Length % 32 != 0 || q.Length < x.Length || scales.Length < x.Length / 32 || offsets.Length < x.Length / 32)
        {
            throw new ArgumentException($"{x.Length} values need a multiple of 32, {x.Length} int8 and {x.Length / 32} scales and offsets");
        }
        fixed (float* px = x)
        fixed (sbyte* pq = q)
        fixed (float* pd = scales)
        fixed (int* ps = offsets)
        {
            ActivationQuantizer.QuantizeRow(px, x.Length, pq, pd, ps, WeightBias(weights), SimdLevels.Resolve(level));
        }
    }

    /// <summary>
    /// What the kernels add to <paramref name="weights"/> to make them unsigned bytes: 8 for Q4_0
    /// (nibbles are stored biased), 128 for Q8_0 (the AVX-VNNI kernel; the others ignore the offsets).
    /// </summary>
    public static int WeightBias(DType weights) => weights switch
    {
        DType.Q8_0 => 128,
        DType.Q4_0 => 8,
        DType.Q4_K or DType.Q6_K => 0, // their kernels take KQuantSide's sums instead
        _ => throw new ArgumentOutOfRangeException(nameof(weights), weights, "only Q8_0 and Q4_0 have int8 kernels"),
    };

    /// <summary>
    /// Dots one Q8_0 or Q4_0 weight row with <paramref name="rows"/> quantized activation rows (1 to 4;
    /// 4 takes the multi-row kernel) using <paramref name="kernel"/>, writing <paramref name="results"/>[0..rows).
    /// </summary>
    public static void Dot(QuantKernel kernel, DType dtype, ReadOnlySpan<byte> weightRow, int rows,
        ReadOnlySpan<sbyte> q, ReadOnlySpan<float> scales, ReadOnlySpan<int> offsets, Span<float> results)
    {
        if (!IsSupported(kernel))
        {
            throw new PlatformNotSupportedException($"quantized kernel {kernel} is not supported on this machine");
        }
        if (dtype is not (DType.Q8_0 or DType.Q4_0))
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "only Q8_0 and Q4_0 have int8 kernels");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, 4);
        int k = BlockFormats.ValueCount(dtype, weightRow.Length);
        int blocks = k / 32;
        if (q.Length < rows * k || scales.Length < rows * blocks || offsets.Length < rows * blocks || results.Length < rows)
        {
            throw new ArgumentException($"{rows} rows of k = {k} need {rows * k} int8, {rows * blocks} scales and offsets, {rows} results");
        }
        fixed (byte* pw = weightRow)
        fixed (sbyte* pq = q)
        fixed (float* pd = scales, pr = results)
        fixed (int* ps = offsets)
        {
            switch (kernel)
            {
                case QuantKernel.Scalar: DotRows<ScalarQuantDot>(dtype, pw, blocks, rows, pq, pd, ps, pr); break;
                case QuantKernel.Vector128: DotRows<Vector128QuantDot>(dtype, pw, blocks, rows, pq, pd, ps, pr); break;
                case QuantKernel.Avx2: DotRows<X86QuantDot<Avx2ByteDot>>(dtype, pw, blocks, rows, pq, pd, ps, pr); break;
                default: DotRows<X86QuantDot<VnniByteDot>>(dtype, pw, blocks, rows, pq, pd, ps, pr); break;
            }
        }
    }

    /// <summary>
    /// Dots 4 consecutive Q8_0 / Q4_0 weight rows (<paramref name="weightRows"/>, 4 × rowBytes) with one
    /// quantized activation row through the decode kernel (4 weight streams), into results[0..4).
    /// </summary>
    public static void DotWeightRows4(QuantKernel kernel, DType dtype, ReadOnlySpan<byte> weightRows,
        ReadOnlySpan<sbyte> q, ReadOnlySpan<float> scales, ReadOnlySpan<int> offsets, Span<float> results)
    {
        if (!IsSupported(kernel))
        {
            throw new PlatformNotSupportedException($"quantized kernel {kernel} is not supported on this machine");
        }
        if (dtype is not (DType.Q8_0 or DType.Q4_0) || weightRows.Length % 4 != 0)
        {
            throw new ArgumentException($"need 4 whole Q8_0 or Q4_0 rows, got {weightRows.Length} bytes of {dtype}");
        }
        int rowBytes = weightRows.Length / 4;
        int k = BlockFormats.ValueCount(dtype, rowBytes);
        int blocks = k / 32;
        if (q.Length < k || scales.Length < blocks || offsets.Length < blocks || results.Length < 4)
        {
            throw new ArgumentException($"k = {k} needs {k} int8, {blocks} scales and offsets, 4 results");
        }
        fixed (byte* pw = weightRows)
        fixed (sbyte* pq = q)
        fixed (float* pd = scales, pr = results)
        fixed (int* ps = offsets)
        {
            switch (kernel)
            {
                case QuantKernel.Scalar: DotWeights4<ScalarQuantDot>(dtype, pw, rowBytes, blocks, pq, pd, ps, pr); break;
                case QuantKernel.Vector128: DotWeights4<Vector128QuantDot>(dtype, pw, rowBytes, blocks, pq, pd, ps, pr); break;
                case QuantKernel.Avx2: DotWeights4<X86QuantDot<Avx2ByteDot>>(dtype, pw, rowBytes, blocks, pq, pd, ps, pr); break;
                default: DotWeights4<X86QuantDot<VnniByteDot>>(dtype, pw, rowBytes, blocks, pq, pd, ps, pr); break;
            }
        }
    }

    private static void DotWeights4<TDot>(DType dtype, byte* w, int rowBytes, int blocks, sbyte* q, float* d, int* s, float* results)
        where TDot : struct, IQuantDot
    {
        if (dtype == DType.Q8_0) { TDot.Q8_0w4(w, w + rowBytes, w + (2 * rowBytes), w + (3 * rowBytes), blocks, q, d, s, results); }
        else { TDot.Q4_0w4(w, w + rowBytes, w + (2 * rowBytes), w + (3 * rowBytes), blocks, q, d, s, results); }
    }

    private static void DotRows<TDot>(DType dtype, byte* w, int blocks, int rows, sbyte* q, float* d, int* s, float* results)
        where TDot : struct, IQuantDot
    {
        int k = blocks * 32;
        if (rows == 4)
        {
            if (dtype == DType.Q8_0) { TDot.Q8_0x4(w, blocks, q, d, s, k, blocks, results); }
            else { TDot.Q4_0x4(w, blocks, q, d, s, k, blocks, results); }
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            results[r] = dtype == DType.Q8_0
                ? TDot.Q8_0(w, blocks, q + (r * k), d + (r * blocks), s + (r * blocks))
                : TDot.Q4_0(w, blocks, q + (r * k), d + (r * blocks), s + (r * blocks));
        }
    }
}
