// The kernels over the 8-row interleaved Q4_Kx8 / Q6_Kx8 layouts (GGUF K-quants as llama.cpp
// publishes them; readback and BF16 prefill are in InterleavedQuantTests): decode equals the
// dequantized weights times the float activations within the int8 rounding of the activations (the bound of
// QuantMatMulParityTests: Σ_t |w_t|·amax_b/127/2 + 1e-5·(1 + |y|)·√k); the SIMD kernels equal the
// scalar definition to float accumulation order (1e-5·Σ|w·x| + 1e-6), also at the widest sums
// (every nibble 15, every scale at its extreme, activations ±127); batched decode (2-5 x-rows, the
// multi-row kernels) equals one-row calls bit for bit; prefill (6+ x-rows) takes the GEMM on exactly
// dequantized rows.
using QwenVL.Tensors.Quant;

namespace QwenVL.Tensors.Tests;

public class InterleavedKQuantTests
{
    private static readonly ReferenceBackend Reference = new();

    public static TheoryData<SimdLevel, DType> Cases() => TestData.LevelsWith(DType.Q4_K, DType.Q6_K);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_KQuantDecode_WithinActivationRoundingOfDequantizedWeights(SimdLevel level, DType dtype)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        // 1 group (a tail alone), 3 and 5 (quarter steps and tails), 17 (eighth steps) and 75 groups.
        foreach (int m in new[] { 8, 24, 40, 136, 600 })
        {
            foreach (int k in new[] { 256, 768 })
            {
                float[] x = TestData.Uniform(random, k, -2f, 2f);
                using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
                using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
                float[] bias = m % 16 == 0 ? TestData.Uniform(random, m) : [];
                var expected = new float[m];
                Reference.MatMul(x, 1, k, w.View, bias, expected);
                var actual = new float[m];
                actual.AsSpan().Fill(float.NaN);
                cpu.MatMul(x, 1, k, x8.View, bias, actual);
                var row = new float[k];
                for (int j = 0; j < m; j++)
                {
                    w.View.ReadRow(j, row);
                    double bound = 0;
                    for (int b = 0; b < k / 32; b++)
                    {
                        double amax = 0, wsum = 0;
                        for (int t = b * 32; t < (b + 1) * 32; t++)
                        {
                            amax = Math.Max(amax, Math.Abs(x[t]));
                            wsum += Math.Abs(row[t]);
                        }
                        bound += wsum * amax / 127.0 / 2.0;
                    }
                    double tolerance = bound + (1e-5 * (1 + Math.Abs(expected[j])) * Math.Sqrt(k));
                    double error = Math.Abs((double)actual[j] - expected[j]);
                    Assert.True(error <= tolerance,
                        $"{cpu.Name} {dtype} k={k} m={m} y[{j}] = {actual[j]:R}, reference {expected[j]:R}, |error| {error:E3} > {tolerance:E3}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_KQuantDecode_MatchesScalarDefinition(SimdLevel level, DType dtype)
    {
        var random = new Random(TestData.Seed);
        foreach ((int m, int k) in new[] { (40, 256), (136, 512), (600, 256) })
        {
            using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
            CheckAgainstScalar(level, null, w, TestData.Uniform(random, k, -2f, 2f));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_KQuantDecode_WidestSums_MatchScalarDefinition(SimdLevel level, DType dtype)
    {
        // Every quant bit set (Q4_K nibbles 15, Q6_K values 63), the 6-bit scales and mins at 63 and
        // Q6_K's int8 scales at −128 or 127, activations at ±2 (±127 once quantized): the widest integer
        // sums, and the high nibbles VNNI keeps in place at 16× their value.
        var random = new Random(TestData.Seed);
        const int m = 64, k = 512;
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
        SetWidest(w, dtype);
        float[] x = new float[k];
        for (int t = 0; t < k; t++)
        {
            x[t] = t / 32 % 5 == 4 ? -2f : 2f; // one sign per 32 values, mostly +: no sum is cancelled by its neighbour's
        }
        CheckAgainstScalar(level, null, w, x);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_KQuantDecode_SubnormalAndNegativeScales_MatchScalarDefinition(SimdLevel level, DType dtype)
    {
        // Q6_K's d is a subnormal half whenever a super-block's largest weight is under about 0.25,
        // and negative when that weight is positive (ggml's quantize_row_q6_K): every other
        // super-block's d (and Q4_K's dmin) here is a subnormal 0x0001-0x03FF, with either sign.
        var random = new Random(TestData.Seed);
        foreach ((int m, int k) in new[] { (40, 256), (136, 512) })
        {
            using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
            Span<byte> bytes = w.Bytes;
            int blockBytes = DTypeInfo.BlockBytes(dtype);
            for (int block = 0; block < bytes.Length / blockBytes; block++)
            {
                int offset = block * blockBytes;
                foreach (int at in dtype == DType.Q6_K ? new[] { offset + 208 } : [offset, offset + 2])
                {
                    int half = block % 2 == 0 ? 1 + random.Next(0x3FF) : BitConverter.ToUInt16(bytes[at..]);
                    BitConverter.TryWriteBytes(bytes[at..], (ushort)(half | (random.Next(2) << 15)));
                }
            }
            CheckAgainstScalar(level, null, w, TestData.Uniform(random, k, -2f, 2f));
        }
    }

    [Theory]
    [InlineData(DType.Q4_K, false)]
    [InlineData(DType.Q6_K, false)]
    [InlineData(DType.Q4_K, true)]
    [InlineData(DType.Q6_K, true)]
    public void MatMul_KQuantAvx2Kernel_MatchesScalarDefinition(DType dtype, bool widest)
    {
        if (!QuantKernels.IsSupported(QuantKernel.Avx2))
        {
            return; // no AVX2 here: the scalar definition is the only kernel
        }
        // widest: Q4_K's 8 vpmaddubsw pairs per sub-block summed in int16 reach 8 · 2 · 15 · 127 = 30480,
        // the most the int16 lanes must hold (32767).
        var random = new Random(TestData.Seed);
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, 136, 768);
        float[] x = TestData.Uniform(random, 768, -2f, 2f);
        if (widest)
        {
            SetWidest(w, dtype);
            x = [.. Enumerable.Range(0, 768).Select(t => t / 32 % 5 == 4 ? -2f : 2f)]; // one sign per sub-block, mostly +
        }
        CheckAgainstScalar(SimdLevel.Vector256, QuantKernel.Avx2, w, x);
    }

    [Theory]
    [InlineData(DType.Q4_K, 2)]
    [InlineData(DType.Q6_K, 2)]
    [InlineData(DType.Q4_K, 8)]
    [InlineData(DType.Q6_K, 8)]
    public void MatMul_KQuantDecode_EveryStreamWalk_MatchesScalarDefinition(DType dtype, int streams)
    {
        // The one-row walk in 2 parts (AMD's default) or 8 (Intel's), whichever this CPU picks:
        // 1, 5, 17 and 75 groups leave parts, quarters and tails.
        var random = new Random(TestData.Seed);
        foreach ((int m, int k) in new[] { (8, 256), (40, 512), (136, 256), (600, 256) })
        {
            using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
            CheckAgainstScalar(SimdLevels.Best, null, w, TestData.Uniform(random, k, -2f, 2f), streams);
        }
    }

    public static TheoryData<DType, QuantKernel?> BatchedCases()
    {
        var data = new TheoryData<DType, QuantKernel?>();
        foreach (DType dtype in new[] { DType.Q4_K, DType.Q6_K })
        {
            data.Add(dtype, null);
            data.Add(dtype, QuantKernel.Scalar);
            data.Add(dtype, QuantKernel.Vector128);
            if (QuantKernels.IsSupported(QuantKernel.Avx2))
            {
                data.Add(dtype, QuantKernel.Avx2);
            }
            if (QuantKernels.IsSupported(QuantKernel.AvxVnni512))
            {
                data.Add(dtype, QuantKernel.AvxVnni); // the best kernel is then the 512-bit one
            }
        }
        return data;
    }

    [Theory]
    [InlineData(DType.Q4_K, false)]
    [InlineData(DType.Q6_K, false)]
    [InlineData(DType.Q4_K, true)]
    [InlineData(DType.Q6_K, true)]
    public void MatMul_KQuantZmmKernel_EqualsAvxVnniKernelBitForBit(DType dtype, bool widest)
    {
        // The generated 512-bit code takes pairs of groups and applies the scales in the 256-bit
        // kernels' float order per lane, so every output equals AVX-VNNI's exactly: 1-5 x-rows, 1 to 75
        // groups (lone, paired, odd last one), random weights and the widest integer sums.
        if (!QuantKernels.IsSupported(QuantKernel.AvxVnni512))
        {
            return; // no AVX512-VNNI code mapped here: the 256-bit kernels are the fastest path
        }
        using var zmm = new CpuBackend(threads: 2);
        zmm.QuantKernelOverride = QuantKernel.AvxVnni512;
        using var ymm = new CpuBackend(threads: 2);
        ymm.QuantKernelOverride = QuantKernel.AvxVnni;
        var random = new Random(TestData.Seed);
        foreach ((int n, int m, int k) in new[] { (1, 8, 256), (1, 24, 768), (1, 600, 512), (2, 16, 256), (3, 40, 512), (4, 136, 768), (5, 600, 256), (4, 24, 512) })
        {
            using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
            if (widest)
            {
                SetWidest(w, dtype);
            }
            using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
            AssertSameOutputs(ymm, zmm, x8.View, n, random, widest, $"{dtype} n={n} m={m} k={k}", "AVX-VNNI");
        }
    }

    /// <summary>
    /// n x-rows (uniform in ±2, or ±2 in runs of 3 for the widest sums: ±127 once quantized) and a
    /// random bias through <paramref name="w"/> on both backends: the outputs must be equal bit for bit.
    /// </summary>
    internal static void AssertSameOutputs(CpuBackend expectedOn, CpuBackend actualOn, TensorView w, int n, Random random, bool widest, string what, string expectedFrom)
    {
        int m = w.Rows, k = w.Cols;
        float[] x = widest ? [.. Enumerable.Range(0, n * k).Select(t => t / 3 % 2 == 0 ? 2f : -2f)] : TestData.Uniform(random, n * k, -2f, 2f);
        float[] bias = TestData.Uniform(random, m);
        var expected = new float[n * m];
        var actual = new float[n * m];
        actual.AsSpan().Fill(float.NaN);
        expectedOn.MatMul(x, n, k, w, bias, expected);
        actualOn.MatMul(x, n, k, w, bias, actual);
        TestData.AssertSameFloats(expected, actual, what, expectedFrom);
    }

    [Theory]
    [MemberData(nameof(BatchedCases))]
    public void MatMul_KQuantBatchedDecode_EachRowEqualsItsOwnOneRowCallExactly(DType dtype, QuantKernel? kernel)
    {
        // 2 to 5 x-rows (concurrent streams sharing a decode step) go through the 2-4 x-row kernels
        // (5 = 4 + 1), which keep the one-row kernels' float order: row i must equal a one-row call on
        // x-row i bit for bit. 1, 5, 17 and 75 groups: a lone group, pairs and an odd one left over.
        using var cpu = new CpuBackend(threads: 3);
        cpu.QuantKernelOverride = kernel;
        var random = new Random(TestData.Seed);
        foreach ((int n, int m, int k) in new[] { (2, 8, 256), (3, 40, 512), (5, 136, 768), (4, 600, 256), (4, 24, 512) })
        {
            float[] x = TestData.Uniform(random, n * k, -2f, 2f);
            using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
            using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
            float[] bias = TestData.Uniform(random, m);
            var batched = new float[n * m];
            batched.AsSpan().Fill(float.NaN);
            cpu.MatMul(x, n, k, x8.View, bias, batched);
            AssertEachRowEqualsOneRowCall(cpu, x, n, k, x8.View, bias, batched);
        }
    }

    [Theory]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void MatMul_KQuantPrefillBeside512BitFloats_EqualsGgmlLayoutExactly(DType dtype)
    {
        // At the 512-bit level without the generated K-quant code, 6 and more x-rows take the float32
        // GEMM on the exact backend, gathering interleaved rows back: the same sums as the ggml layout's GEMM.
        using var cpu = new CpuBackend(threads: 3, SimdLevel.Vector512);
        if (cpu.Level != SimdLevel.Vector512 || cpu.QuantKernel is QuantKernel.AvxVnni512)
        {
            return; // no 512-bit floats here, or the int8 kernels take prefill (the case below)
        }
        var random = new Random(TestData.Seed);
        foreach ((int n, int m) in new[] { (6, 8), (9, 136), (40, 40) })
        {
            float[] x = TestData.Uniform(random, n * 512, -2f, 2f);
            using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, 512);
            using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
            float[] bias = TestData.Uniform(random, m);
            var expected = new float[n * m];
            var actual = new float[n * m];
            cpu.MatMul(x, n, 512, w.View, bias, expected);
            cpu.MatMul(x, n, 512, x8.View, bias, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void MatMul_KQuantPrefillOn256BitInt8Kernels_EachRowEqualsItsOneRowCallExactly(DType dtype)
    {
        // At the 256-bit level (AVX2 or AVX-VNNI) 6 and more x-rows take the int8 kernels decode uses,
        // 4 x-rows per call in the one-row kernels' float order: row i equals a one-row call on x-row i.
        if (!QuantKernels.IsSupported(QuantKernel.Avx2))
        {
            return; // no AVX2 here: no interleaved kernels
        }
        using var cpu = new CpuBackend(threads: 3, SimdLevel.Vector256);
        var random = new Random(TestData.Seed);
        foreach ((int n, int m) in new[] { (6, 8), (9, 136), (40, 40) })
        {
            float[] x = TestData.Uniform(random, n * 512, -2f, 2f);
            using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, 512);
            using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
            float[] bias = TestData.Uniform(random, m);
            var y = new float[n * m];
            y.AsSpan().Fill(float.NaN);
            cpu.MatMul(x, n, 512, x8.View, bias, y);
            AssertEachRowEqualsOneRowCall(cpu, x, n, 512, x8.View, bias, y);
        }
    }

    [Theory]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void MatMul_KQuantPrefillOnZmmCode_EachRowEqualsItsOneRowCallAndStaysNearExact(DType dtype)
    {
        // Where the generated 512-bit code runs, K-quant prefill takes the int8 kernels decode uses:
        // every row of a 6-45 row call must equal a one-row call on it bit for bit, and stay within
        // what int8 activations (per 32 values) cost against the float32 GEMM: for x uniform in
        // [-2, 2] the rounding is (2/127)/√12 ≈ 3.9e-3 of x's RMS, and the outputs here are off by
        // 2.9-4.3e-3 of their norm; held to 8e-3.
        using var cpu = new CpuBackend(threads: 3);
        if (cpu.QuantKernel != QuantKernel.AvxVnni512)
        {
            return; // no 512-bit code here: MatMul_KQuantPrefillWithoutZmmCode_EqualsGgmlLayoutExactly covers prefill
        }
        var random = new Random(TestData.Seed);
        foreach ((int n, int m, int k) in new[] { (6, 8, 512), (9, 136, 256), (45, 40, 768), (13, 600, 512) })
        {
            float[] x = TestData.Uniform(random, n * k, -2f, 2f);
            using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
            using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
            float[] bias = TestData.Uniform(random, m);
            var exact = new float[n * m];
            var actual = new float[n * m];
            actual.AsSpan().Fill(float.NaN);
            cpu.MatMul(x, n, k, w.View, bias, exact);
            cpu.MatMul(x, n, k, x8.View, bias, actual);
            AssertEachRowEqualsOneRowCall(cpu, x, n, k, x8.View, bias, actual);
            double error = Math.Sqrt(exact.Zip(actual).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second)));
            double norm = Math.Sqrt(exact.Sum(v => (double)v * v));
            Assert.True(error <= 8e-3 * norm, $"{dtype} n={n} m={m} k={k}: error {error / norm:E2} of the norm");
        }
    }

    [Theory]
    [InlineData(DType.Q4_K, 8)]
    [InlineData(DType.Q6_K, 8)]
    [InlineData(DType.Q4_K, 2)]
    [InlineData(DType.Q6_K, 2)]
    public void MatMul_KQuantDecode_StepsTakenByOtherThreads_MatchOneThreadBitForBit(DType dtype, int streams)
    {
        // As InterleavedQuantTests' case: 5 partitions of 8 eighths × 2 steps of groups, plus 3 groups.
        using CpuBackend many = new(threads: 5) { DecodeStreams = streams };
        using CpuBackend one = new(threads: 1) { DecodeStreams = streams };
        var random = new Random(TestData.Seed);
        const int k = 256, m = ((5 * 8 * 2) + 3) * 8;
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
        using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
        TestData.AssertOneRowMatchesOneThread(many, one, TestData.Uniform(random, k, -2f, 2f), x8.View, TestData.Uniform(random, m));
    }

    [Theory]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void MatMul_KQuantDecodeAfterWarmUp_AllocatesNothingOnCaller(DType dtype)
    {
        using var cpu = new CpuBackend(threads: 1);
        var random = new Random(TestData.Seed);
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, 304, 512);
        using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
        float[] x = TestData.Uniform(random, 512);
        var y = new float[304];
        Assert.Equal(0, TestData.SteadyStateAllocation(() => cpu.MatMul(x, 1, 512, x8.View, [], y)));
    }

    /// <summary>Row i of <paramref name="y"/> (an n-row call's output) equals a one-row call on x-row i, bit for bit.</summary>
    private static void AssertEachRowEqualsOneRowCall(CpuBackend cpu, float[] x, int n, int k, TensorView w, float[] bias, float[] y)
    {
        int m = y.Length / n;
        var one = new float[m];
        for (int i = 0; i < n; i++)
        {
            cpu.MatMul(x.AsSpan(i * k, k), 1, k, w, bias, one);
            Assert.Equal(one, y.AsSpan(i * m, m).ToArray());
        }
    }

    /// <summary>Every quant bit set, the 6-bit scales and mins at 63, Q6_K's int8 scales alternating −128 and 127.</summary>
    private static void SetWidest(NativeTensor w, DType dtype)
    {
        Span<byte> bytes = w.Bytes;
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        for (int block = 0; block < bytes.Length / blockBytes; block++)
        {
            Span<byte> b = bytes.Slice(block * blockBytes, blockBytes);
            if (dtype == DType.Q4_K)
            {
                b[4..].Fill(0xFF);
            }
            else
            {
                b[..192].Fill(0xFF);
                for (int s = 0; s < 16; s++)
                {
                    b[192 + s] = (byte)((s + block) % 2 == 0 ? 0x80 : 0x7F);
                }
            }
        }
    }

    /// <summary>
    /// One x-row through the interleaved copy of <paramref name="w"/> at <paramref name="level"/> (and
    /// <paramref name="kernel"/> when given) against the same on the scalar definition.
    /// </summary>
    private static void CheckAgainstScalar(SimdLevel level, QuantKernel? kernel, NativeTensor w, float[] x, int? streams = null)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        cpu.QuantKernelOverride = kernel;
        cpu.DecodeStreams = streams ?? cpu.DecodeStreams;
        using CpuBackend scalar = TestData.Cpu(SimdLevel.Scalar);
        using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
        int m = w.View.Rows, k = w.View.Cols;
        var expected = new float[m];
        var actual = new float[m];
        scalar.MatMul(x, 1, k, x8.View, [], expected);
        cpu.MatMul(x, 1, k, x8.View, [], actual);
        InterleavedQuantTests.AssertOneRowClose(w, x, expected, actual, 1e-6, $"{cpu.Name} ({cpu.QuantKernel}) {w.View.DType} (against the scalar definition)");
    }
}
