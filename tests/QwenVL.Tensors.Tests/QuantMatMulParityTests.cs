// CpuBackend.MatMul on block-quantized weights against ReferenceBackend (dequantized weights, double
// dot with the float activations) at every SIMD level over odd shapes. Q8_0 / Q4_0 quantize the
// activations to int8 first, so the tolerance is the rigorous bound of that rounding:
//   |y − y_ref| ≤ Σ_t |w_t| · d_x(t)/2  +  1e-5·(1 + |y_ref|)·√k
// where d_x(t) = amax/127 of the activation block holding t (each x moves by at most half a step),
// plus float accumulation error. Q4_K / Q6_K dequantize rows exactly: float tolerance only, with the
// recursive-summation bound k·2⁻²³·Σ|w·x| of the float32 GEMM that several x-rows take.
using QwenVL.Tensors.Quant;

namespace QwenVL.Tensors.Tests;

public class QuantMatMulParityTests
{
    private static readonly ReferenceBackend Reference = new();

    public static TheoryData<SimdLevel, DType, bool> Cases()
    {
        var data = new TheoryData<SimdLevel, DType, bool>();
        foreach (SimdLevel level in TestData.Levels())
        {
            foreach (DType dtype in new[] { DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K })
            {
                data.Add(level, dtype, true);
                data.Add(level, dtype, false);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_OddShapes_WithinActivationRoundingOfReference(SimdLevel level, DType dtype, bool withBias)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        int[] ks = dtype is DType.Q4_K or DType.Q6_K ? [256, 512] : [32, 64, 96, 320];
        foreach (int n in new[] { 1, 3, 17 })
        {
            foreach (int k in ks)
            {
                foreach (int m in new[] { 1, 5, 33 })
                {
                    Check(cpu, random, n, k, m, dtype, withBias);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_ParallelShapes_WithinActivationRoundingOfReference(SimdLevel level, DType dtype, bool withBias)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        int k = dtype is DType.Q4_K or DType.Q6_K ? 512 : 320;
        Check(cpu, random, 70, k, 33, dtype, withBias);  // three row blocks of 32, 4-row groups and tails
        Check(cpu, random, 1, k, 600, dtype, withBias);  // decode: contiguous slices of weight rows
    }

    [Fact]
    public void MatMul_EmptyInnerQuantized_WritesBias()
    {
        using CpuBackend cpu = TestData.Cpu(SimdLevel.Vector128);
        using var w = new NativeTensor(DType.Q8_0, 2, 0);
        float[] y = [9, 9, 9, 9];
        cpu.MatMul([], 2, 0, w.View, [1f, -2f], y);
        Assert.Equal([1f, -2f, 1f, -2f], y);
    }

    [Theory]
    [InlineData(DType.Q8_0, 1)]
    [InlineData(DType.Q4_0, 1)]
    [InlineData(DType.Q8_0, 9)]
    public void MatMul_AfterWarmUp_AllocatesNothingOnCaller(DType dtype, int n)
    {
        // One thread: the pool's own lazily created wait lock (24 bytes, allocated the first time a
        // wait has to block, which depends on timing) is ComputeThreadPoolTests' business.
        using var cpu = new CpuBackend(threads: 1);
        var random = new Random(TestData.Seed);
        using NativeTensor w = RandomTensor(random, dtype, 300, 256);
        float[] x = TestData.Uniform(random, n * 256);
        var y = new float[n * 300];
        Assert.Equal(0, TestData.SteadyStateAllocation(() => cpu.MatMul(x, n, 256, w.View, [], y)));
    }

    [Fact]
    public void QuantKernel_BestLevel_UsesWidestSupportedKernel()
    {
        using var cpu = new CpuBackend(threads: 1);
        QuantKernel expected = QuantKernels.IsSupported(QuantKernel.AvxVnni512) ? QuantKernel.AvxVnni512
            : QuantKernels.IsSupported(QuantKernel.AvxVnni) ? QuantKernel.AvxVnni
            : QuantKernels.IsSupported(QuantKernel.Avx2) ? QuantKernel.Avx2
            : QuantKernels.IsSupported(QuantKernel.Vector128) ? QuantKernel.Vector128 : QuantKernel.Scalar;
        Assert.Equal(expected, cpu.QuantKernel);
        using var v256 = new CpuBackend(threads: 1, maxSimd: SimdLevel.Vector256);
        Assert.NotEqual(QuantKernel.AvxVnni512, v256.QuantKernel); // the generated zmm code is a 512-bit path
        using var scalar = new CpuBackend(threads: 1, maxSimd: SimdLevel.Scalar);
        Assert.Equal(QuantKernel.Scalar, scalar.QuantKernel);
    }

    private static void Check(CpuBackend cpu, Random random, int n, int k, int m, DType dtype, bool withBias)
    {
        float[] x = TestData.Uniform(random, n * k, -2f, 2f);
        using NativeTensor w = RandomTensor(random, dtype, m, k);
        float[] bias = withBias ? TestData.Uniform(random, m) : [];
        var expected = new float[n * m];
        Reference.MatMul(x, n, k, w.View, bias, expected);
        var actual = new float[n * m];
        actual.AsSpan().Fill(float.NaN);
        cpu.MatMul(x, n, k, w.View, bias, actual);

        bool int8 = dtype is DType.Q8_0 or DType.Q4_0;
        var row = new float[k];
        for (int j = 0; j < m; j++)
        {
            w.View.ReadRow(j, row);
            for (int i = 0; i < n; i++)
            {
                double bound = 0;
                if (!int8)
                {
                    // K-quants take float32 products of the exactly dequantized weights: on more than
                    // a few x-rows the GEMM sums k of them in sequence, within k·2⁻²³·Σ|w·x| (their
                    // random 6-bit values and int8 scales make terms far larger than the result).
                    for (int t = 0; t < k; t++)
                    {
                        bound += Math.Abs((double)row[t] * x[(i * k) + t]) * 1.2e-7;
                    }
                    bound *= k;
                }
                if (int8)
                {
                    for (int b = 0; b < k / 32; b++)
                    {
                        double amax = 0, wsum = 0;
                        for (int t = b * 32; t < (b + 1) * 32; t++)
                        {
                            amax = Math.Max(amax, Math.Abs(x[(i * k) + t]));
                            wsum += Math.Abs(row[t]);
                        }
                        bound += wsum * amax / 127.0 / 2.0;
                    }
                }
                float e = expected[(i * m) + j];
                double tolerance = bound + (1e-5 * (1 + Math.Abs(e)) * Math.Sqrt(k));
                double error = Math.Abs((double)actual[(i * m) + j] - e);
                Assert.True(error <= tolerance,
                    $"{cpu.Name} {dtype} n={n} k={k} m={m} y[{i},{j}] = {actual[(i * m) + j]:R}, reference {e:R}, |error| {error:E3} > {tolerance:E3}");
            }
        }
    }

    /// <summary>A random [m, k] tensor: Q8_0 / Q4_0 quantized from uniform values; K-quants as random bytes with sane f16 scales.</summary>
    internal static NativeTensor RandomTensor(Random random, DType dtype, int m, int k)
    {
        if (dtype is DType.Q8_0 or DType.Q4_0)
        {
            return NativeTensor.FromFloats(TestData.Uniform(random, m * k, -0.5f, 0.5f), dtype, m, k);
        }
        var tensor = new NativeTensor(dtype, m, k);
        Span<byte> bytes = tensor.Bytes;
        random.NextBytes(bytes);
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        for (int offset = 0; offset < bytes.Length; offset += blockBytes)
        {
            // f16 scales in [2⁻¹⁰, 2⁻⁵) (0x1400..0x27FF): random bits could be inf or NaN.
            int scaleAt = dtype == DType.Q6_K ? offset + 208 : offset;
            BitConverter.TryWriteBytes(bytes[scaleAt..], (ushort)(0x1400 + random.Next(0x1400)));
            if (dtype == DType.Q4_K)
            {
                BitConverter.TryWriteBytes(bytes[(offset + 2)..], (ushort)(0x1400 + random.Next(0x1400)));
            }
        }
        return tensor;
    }
}
