// The 8-row interleaved Q8_0x8 / Q4_0x8 layout (K-quants' readback and BF16 prefill too; their kernels
// are InterleavedKQuantTests' business): interleaving is lossless (rows read back byte for
// byte and value for value), and CpuBackend.MatMul on interleaved weights equals the same backend on
// the ggml layout at every SIMD level and shape: both compute the same exact integer block sums from
// the same int8 activations, so only the float accumulation order differs. Bound used:
//   |y − y_ggml| ≤ 1e-5 · Σ_t |w_t·x_t| + 1e-6   (≤ k/32 float additions of terms bounded by that sum).
// Under MatMulPrecision.FastBf16 both layouts dequantize to the same BF16 panels: results are identical.
using QwenVL.Tensors.Quant;

namespace QwenVL.Tensors.Tests;

public class InterleavedQuantTests
{
    public static TheoryData<SimdLevel, DType> Cases() => TestData.LevelsWith(DType.Q8_0, DType.Q4_0);

    [Theory]
    [InlineData(DType.Q8_0, 8, 32, DType.Q8_0x8)]
    [InlineData(DType.Q4_0, 8, 32, DType.Q4_0x8)]
    [InlineData(DType.Q8_0, 24, 96, DType.Q8_0x8)]
    [InlineData(DType.Q4_0, 40, 320, DType.Q4_0x8)]
    [InlineData(DType.Q4_K, 8, 256, DType.Q4_Kx8)]
    [InlineData(DType.Q4_K, 24, 768, DType.Q4_Kx8)]
    [InlineData(DType.Q6_K, 8, 256, DType.Q6_Kx8)]
    [InlineData(DType.Q6_K, 40, 512, DType.Q6_Kx8)]
    public void Interleave_RandomBlocks_RowsReadBackExactly(DType dtype, int m, int k, DType interleaved)
    {
        var random = new Random(TestData.Seed);
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
        using NativeTensor x8 = Interleave(w);
        Assert.Equal(interleaved, x8.View.DType);
        Assert.Equal(w.View.ByteLength, x8.View.ByteLength);
        int values = DTypeInfo.BlockSize(dtype);
        var gathered = new byte[DTypeInfo.ByteCount(dtype, k)];
        var expected = new float[k];
        var actual = new float[k];
        for (int r = 0; r < m; r++)
        {
            unsafe
            {
                fixed (byte* g = gathered)
                {
                    RowInterleave.ReadRowBlocks(x8.View.DType, (byte*)x8.View.Data, k, r, 0, k / values, g);
                }
            }
            Assert.True(w.View.RowBytes(r).SequenceEqual(gathered), $"row {r} blocks differ after interleaving");
            w.View.ReadRow(r, expected);
            x8.View.ReadRow(r, actual);
            Assert.Equal(expected, actual);
        }
        Assert.Equal(w.View.ToFloatArray(), x8.View.ToFloatArray());
    }

    [Fact]
    public void Interleave_RowsNotMultipleOf8_IsRefused()
    {
        Assert.False(RowInterleave.CanInterleave(DType.Q4_0, 12, 64));
        Assert.False(RowInterleave.CanInterleave(DType.Q4_K, 12, 256));
        Assert.False(RowInterleave.CanInterleave(DType.Q6_K, 8, 128)); // not whole super-blocks
        Assert.False(RowInterleave.CanInterleave(DType.BF16, 8, 256));
        Assert.True(RowInterleave.CanInterleave(DType.Q4_K, 8, 256));
        Assert.True(RowInterleave.CanInterleave(DType.Q8_0, 16, 64));
        using var x8 = new NativeTensor(DType.Q4_0x8, 8, 32);
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => x8.View.RowBytes(0));
        Assert.Contains("interleaved", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Numerics.ToFloat(new byte[18], DType.Q4_0x8, new float[32]));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_Interleaved_MatchesGgmlLayoutOnSameBackend(SimdLevel level, DType dtype)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        foreach (int n in new[] { 1, 2, 3, 4, 5, 9, 33 })
        {
            foreach (int k in new[] { 32, 96, 320 })
            {
                // 1 group (the decode tail alone), 3, 5 (a quarter step and a tail), 12 (an eighth
                // step then a quarter step), 17 (two eighth steps and a tail) and 75 groups.
                foreach (int m in new[] { 8, 24, 40, 96, 136, 600 })
                {
                    if (n > 5 && m == 600)
                    {
                        continue; // the tile path is covered by the smaller m; keeps the case short
                    }
                    Check(cpu, random, n, k, m, dtype, withBias: (n + m) % 2 == 0);
                }
            }
        }
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    public void MatMul_InterleavedAvx2Kernel_MatchesGgmlLayout(DType dtype)
    {
        if (!QuantKernels.IsSupported(QuantKernel.Avx2))
        {
            return; // no AVX2 here: the Vector128/scalar cases above run instead
        }
        // On an AVX-VNNI machine the AVX2 kernels (vpmaddubsw, Q8_0 by the sign trick) are not the
        // default; force them for both layouts.
        // Both one-row walks: 2 groups in step (AMD's; Q4_0 has its own int16 kernel there) and 8.
        using CpuBackend cpu = TestData.Cpu(SimdLevel.Vector256);
        cpu.QuantKernelOverride = QuantKernel.Avx2;
        var random = new Random(TestData.Seed);
        foreach (int streams in new[] { 2, 8 })
        {
            cpu.DecodeStreams = streams;
            foreach ((int n, int k, int m) in new[] { (1, 96, 40), (1, 320, 600), (3, 32, 24), (9, 320, 40) })
            {
                Check(cpu, random, n, k, m, dtype, withBias: n == 1);
            }
        }
    }

    [Theory]
    [InlineData(DType.Q8_0, 2)]
    [InlineData(DType.Q4_0, 2)]
    [InlineData(DType.Q8_0, 8)]
    [InlineData(DType.Q4_0, 8)]
    public void MatMul_InterleavedDecode_EveryStreamWalk_MatchesGgmlLayout(DType dtype, int streams)
    {
        // The one-row walk in 2 parts (AMD's default, the w2 kernels) or 8 (Intel's, w8), whichever
        // this CPU picks: 1, 3, 5, 17 and 75 groups leave parts, quarters and tails.
        using CpuBackend cpu = TestData.Cpu(SimdLevels.Best);
        cpu.DecodeStreams = streams;
        var random = new Random(TestData.Seed);
        foreach (int m in new[] { 8, 24, 40, 136, 600 })
        {
            Check(cpu, random, 1, 320, m, dtype, withBias: m % 16 == 0);
        }
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void MatMul_FastBf16Interleaved_IdenticalToGgmlLayout(DType dtype)
    {
        // Prefill on the BF16 GEMM gathers each interleaved row's blocks (K-quants: super-blocks) back.
        using var cpu = new CpuBackend(3, SimdLevel.Best, MatMulPrecision.FastBf16);
        if (cpu.Precision != MatMulPrecision.FastBf16)
        {
            return; // no BF16 kernels on this CPU: the exact path above covers the layout
        }
        var random = new Random(TestData.Seed);
        (int N, int K, int M)[] shapes = DTypeInfo.BlockSize(dtype) == 256
            ? [(16, 1024, 40), (33, 512, 104), (100, 256, 8)]
            : [(16, 1056, 40), (33, 288, 104), (100, 32, 8)];
        foreach ((int n, int k, int m) in shapes)
        {
            float[] x = TestData.Uniform(random, n * k, -2f, 2f);
            using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
            using NativeTensor x8 = Interleave(w);
            float[] bias = TestData.Uniform(random, m);
            var expected = new float[n * m];
            var actual = new float[n * m];
            cpu.MatMul(x, n, k, w.View, bias, expected);
            cpu.MatMul(x, n, k, x8.View, bias, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(DType.Q8_0, 1)]
    [InlineData(DType.Q4_0, 1)]
    [InlineData(DType.Q4_0, 3)]
    public void MatMul_InterleavedAfterWarmUp_AllocatesNothingOnCaller(DType dtype, int n)
    {
        using var cpu = new CpuBackend(threads: 1);
        var random = new Random(TestData.Seed);
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, 304, 256);
        using NativeTensor x8 = Interleave(w);
        float[] x = TestData.Uniform(random, n * 256);
        var y = new float[n * 304];
        Assert.Equal(0, TestData.SteadyStateAllocation(() => cpu.MatMul(x, n, 256, x8.View, [], y)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_InterleavedDecode_EveryKindOfScale_MatchesGgmlLayout(SimdLevel level, DType dtype)
    {
        // The one-row kernels convert the 8 f16 block scales with a 3-operation bit trick; the random
        // weights above only produce ordinary positive (Q8_0) or signed (Q4_0) normal scales. Here
        // every row's blocks cycle through subnormal, smallest/largest normal and negative halves.
        ushort[] halves = [0x0001, 0x03FF, 0x0400, 0x3C00, 0x7BFF, 0x8001, 0x83FF, 0x8400, 0xBC00, 0xFBFF, 0x1234, 0x9234];
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        const int m = 64, k = 96;
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
        EachBlock(w, dtype, (block, index) => BitConverter.TryWriteBytes(block, halves[index % halves.Length]));
        using NativeTensor x8 = Interleave(w);
        float[] x = TestData.Uniform(random, k, -2f, 2f);
        var expected = new float[m];
        var actual = new float[m];
        cpu.MatMul(x, 1, k, w.View, [], expected);
        cpu.MatMul(x, 1, k, x8.View, [], actual);
        AssertOneRowClose(w, x, expected, actual, 1e-30, $"{cpu.Name} {dtype} (against the ggml layout)");
    }

    /// <summary>
    /// One x-row's results for every weight row j of <paramref name="w"/>: |actual − expected| ≤
    /// 1e-5·Σ_t |w_jt·x_t| + <paramref name="floor"/> (the same integer sums, float order aside).
    /// </summary>
    internal static void AssertOneRowClose(NativeTensor w, float[] x, float[] expected, float[] actual, double floor, string context)
    {
        var row = new float[w.View.Cols];
        for (int j = 0; j < w.View.Rows; j++)
        {
            w.View.ReadRow(j, row);
            double magnitude = 0;
            for (int t = 0; t < row.Length; t++)
            {
                magnitude += Math.Abs(row[t] * x[t]);
            }
            Assert.True(double.IsFinite(magnitude), $"{context}: row {j} has a non-finite weight");
            double tolerance = (1e-5 * magnitude) + floor;
            Assert.True(Math.Abs((double)actual[j] - expected[j]) <= tolerance,
                $"{context} k={row.Length} y[{j}] = {actual[j]:R}, expected {expected[j]:R}, tolerance {tolerance:E3}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_Interleaved_ExtremeNibblesAndActivations_MatchGgmlLayout(SimdLevel level, DType dtype)
    {
        // Every quant byte 0xFF or 0x00 (Q4_0 nibbles 15 or 0, the largest high-nibble products;
        // Q8_0 −1 or 0) and activations at ±2 (quantized to ±127): the widest integer sums the
        // kernels form. VNNI keeps Q4_0's high nibbles in place (16× their value) and shifts the
        // sum down; this pins that path, and AVX2's shifted one, to the ggml layout's kernel.
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        const int m = 64, k = 256;
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
        EachBlock(w, dtype, (block, index) => block[2..].Fill(index % 3 == 2 ? (byte)0x00 : (byte)0xFF));
        using NativeTensor x8 = Interleave(w);
        foreach (int n in new[] { 1, 4 })
        {
            float[] x = new float[n * k];
            for (int t = 0; t < x.Length; t++)
            {
                x[t] = (t / 7 % 2 == 0) ? 2f : -2f;
            }
            var expected = new float[n * m];
            var actual = new float[n * m];
            cpu.MatMul(x, n, k, w.View, [], expected);
            cpu.MatMul(x, n, k, x8.View, [], actual);
            AssertRelativelyClose(expected, actual, m, $"{cpu.Name} {dtype} n={n}", "ggml layout");
        }
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    public void MatMul_InterleavedAvx2Kernel_WidestSums_MatchScalarDefinition(DType dtype)
    {
        if (!QuantKernels.IsSupported(QuantKernel.Avx2))
        {
            return; // no AVX2 here: the scalar definition is the only kernel
        }
        // The AVX2 kernels' int16 steps at their limits: Q4_0 nibbles all 15, whose 4-row kernel sums
        // 8 vpmaddubsw pairs per block in int16 (8 · 2 · 15 · 127 = 30480 ≤ 32767); Q8_0 bytes at 127,
        // −127 and −128 (|w| = 128 under the sign trick, a pair 32512); activations ±2 (±127 once
        // quantized), one sign per 32 values so no block's sum is cancelled inside. 1 and 4 x-rows
        // (decode and the 4-row tiles), 5 (a padded tile). The one-row Q4_0 kernel of the 2-group
        // walk sums its 8 vpmaddubsw pairs in int16 too.
        using CpuBackend cpu = TestData.Cpu(SimdLevel.Vector256);
        cpu.QuantKernelOverride = QuantKernel.Avx2;
        using CpuBackend scalar = TestData.Cpu(SimdLevel.Scalar);
        var random = new Random(TestData.Seed);
        const int m = 48, k = 320;
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
        byte[] q8 = [0x7F, 0x81, 0x80];
        EachBlock(w, dtype, (block, index) => block[2..].Fill(dtype == DType.Q4_0 ? (byte)0xFF : q8[index % 3]));
        using NativeTensor x8 = Interleave(w);
        foreach ((int n, int streams) in new[] { (1, 2), (1, 8), (4, 8), (5, 8) })
        {
            cpu.DecodeStreams = streams; // one x-row: AMD's 2-group walk and Intel's 8-group one
            float[] x = [.. Enumerable.Range(0, n * k).Select(t => t / 32 % 5 == 4 ? -2f : 2f)];
            var expected = new float[n * m];
            var actual = new float[n * m];
            scalar.MatMul(x, n, k, x8.View, [], expected);
            cpu.MatMul(x, n, k, x8.View, [], actual);
            AssertRelativelyClose(expected, actual, m, $"{dtype} n={n} streams={streams}", "scalar definition");
        }
    }

    /// <summary>Each output within 1e-5 of max(1, |expected|): float accumulation order is all that may differ.</summary>
    private static void AssertRelativelyClose(float[] expected, float[] actual, int m, string context, string against)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * Math.Max(1.0, Math.Abs(expected[i]));
            Assert.True(Math.Abs((double)actual[i] - expected[i]) <= tolerance,
                $"{context} y[{i / m},{i % m}] = {actual[i]:R}, {against} {expected[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_InterleavedDecode_StepsTakenByOtherThreads_MatchOneThreadBitForBit(SimdLevel level, DType dtype)
    {
        foreach (int streams in new[] { 8, 2 })
        {
            StepsTakenByOtherThreads(level, dtype, streams);
        }
    }

    private static void StepsTakenByOtherThreads(SimdLevel level, DType dtype, int streams)
    {
        // Threads that finish their own groups claim the others' remaining eighth steps. 5 threads
        // on this 2-core machine are descheduled often, so steps change hands on most calls; a
        // group's sums do not depend on which kernel or thread ran it, so every call must equal the
        // one-thread result exactly. 5 partitions of 8 eighths × 3 steps of 8-row groups, plus 3 groups.
        using CpuBackend many = new(threads: 5, maxSimd: level) { DecodeStreams = streams };
        using CpuBackend one = new(threads: 1, maxSimd: level) { DecodeStreams = streams };
        var random = new Random(TestData.Seed);
        const int k = 128, m = ((5 * 8 * 3) + 3) * 8;
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
        using NativeTensor x8 = Interleave(w);
        TestData.AssertOneRowMatchesOneThread(many, one, TestData.Uniform(random, k, -2f, 2f), x8.View, TestData.Uniform(random, m));
    }

    private delegate void BlockEdit(Span<byte> block, int index);

    /// <summary>Calls <paramref name="edit"/> on every block of <paramref name="w"/> (2-byte f16 scale, then the quants), in order.</summary>
    private static void EachBlock(NativeTensor w, DType dtype, BlockEdit edit)
    {
        Span<byte> bytes = w.Bytes;
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        for (int index = 0; index < bytes.Length / blockBytes; index++)
        {
            edit(bytes.Slice(index * blockBytes, blockBytes), index);
        }
    }

    internal static unsafe NativeTensor Interleave(NativeTensor w)
    {
        Assert.True(RowInterleave.TryInterleavedType(w.View.DType, out DType type));
        var x8 = new NativeTensor(type, w.View.Rows, w.View.Cols);
        RowInterleave.Interleave(w.View.DType, (byte*)w.View.Data, (byte*)x8.View.Data, w.View.Cols, 0, w.View.Rows / 8);
        return x8;
    }

    private static void Check(CpuBackend cpu, Random random, int n, int k, int m, DType dtype, bool withBias)
    {
        float[] x = TestData.Uniform(random, n * k, -2f, 2f);
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
        using NativeTensor x8 = Interleave(w);
        float[] bias = withBias ? TestData.Uniform(random, m) : [];
        var expected = new float[n * m];
        var actual = new float[n * m];
        actual.AsSpan().Fill(float.NaN);
        cpu.MatMul(x, n, k, w.View, bias, expected);
        cpu.MatMul(x, n, k, x8.View, bias, actual);
        var row = new float[k];
        for (int j = 0; j < m; j++)
        {
            w.View.ReadRow(j, row);
            for (int i = 0; i < n; i++)
            {
                double magnitude = 0;
                for (int t = 0; t < k; t++)
                {
                    magnitude += Math.Abs(row[t] * x[(i * k) + t]);
                }
                double tolerance = (1e-5 * magnitude) + 1e-6;
                float e = expected[(i * m) + j], a = actual[(i * m) + j];
                Assert.True(Math.Abs((double)a - e) <= tolerance,
                    $"{cpu.Name} {dtype} n={n} k={k} m={m} y[{i},{j}] = {a:R}, ggml layout {e:R}, |error| {Math.Abs((double)a - e):E3} > {tolerance:E3}");
            }
        }
    }
}
