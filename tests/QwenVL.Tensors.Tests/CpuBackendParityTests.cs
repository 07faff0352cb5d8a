// Pins every CpuBackend operation, at every SIMD level this machine can run, to ReferenceBackend
// on seeded random data over odd sizes (tails of every vector width, partial blocks, several
// partitions). Shapes large enough to take the multi-threaded paths are included on purpose.
using QwenVL.Tensors;

namespace QwenVL.Tensors.Tests;

public class CpuBackendParityTests
{
    private static readonly ReferenceBackend Reference = new();

    public static TheoryData<SimdLevel> Levels() => TestData.LevelData();

    public static TheoryData<SimdLevel, DType, bool> MatMulCases()
    {
        var data = new TheoryData<SimdLevel, DType, bool>();
        foreach (SimdLevel level in TestData.Levels())
        {
            foreach (DType dtype in new[] { DType.F32, DType.F16, DType.BF16 })
            {
                data.Add(level, dtype, true);
                data.Add(level, dtype, false);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(MatMulCases))]
    public void MatMul_OddShapes_MatchesReference(SimdLevel level, DType dtype, bool withBias)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        foreach (int n in new[] { 1, 3, 7 })
        {
            foreach (int k in new[] { 1, 13, 64, 67, 129 })
            {
                foreach (int m in new[] { 1, 5, 33 })
                {
                    CheckMatMul(cpu, random, n, k, m, dtype, withBias);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(MatMulCases))]
    public void MatMul_ParallelShapes_MatchesReference(SimdLevel level, DType dtype, bool withBias)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        CheckMatMul(cpu, random, 70, 129, 33, dtype, withBias); // two row blocks, tiles over rows
        CheckMatMul(cpu, random, 1, 130, 600, dtype, withBias); // decode: split over output columns
    }

    [Fact]
    public void MatMul_EmptyInner_WritesBias()
    {
        using CpuBackend cpu = TestData.Cpu(SimdLevel.Vector128);
        using var w = new NativeTensor(DType.BF16, 2, 0);
        float[] y = [9, 9, 9, 9];
        cpu.MatMul([], 2, 0, w.View, [1f, -2f], y);
        Assert.Equal([1f, -2f, 1f, -2f], y);
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void RmsNorm_OddShapes_MatchesReference(SimdLevel level)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        foreach ((int n, int d) in new[] { (1, 1), (3, 13), (7, 67), (2, 70), (70, 500) })
        {
            foreach (float eps in new[] { 1e-6f, 1e-5f })
            {
                float[] x = TestData.Uniform(random, n * d, -3f, 3f);
                float[] weight = TestData.Uniform(random, d, 0.5f, 1.5f);
                var expected = new float[n * d];
                Reference.RmsNorm(x, n, d, weight, eps, expected);
                float[] inPlace = (float[])x.Clone();
                cpu.RmsNorm(inPlace, n, d, weight, eps, inPlace);
                TestData.AssertClose(expected, inPlace, Math.Sqrt(d), $"RmsNorm n={n} d={d} eps={eps}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void LayerNorm_OddShapesWithAndWithoutBias_MatchesReference(SimdLevel level)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        foreach ((int n, int d) in new[] { (1, 2), (3, 13), (7, 67), (2, 70), (70, 500) })
        {
            foreach (bool withBias in new[] { true, false })
            {
                // Rows offset by +3 so the mean is not ~0 and centering matters.
                float[] x = TestData.Uniform(random, n * d, 2f, 4f);
                float[] weight = TestData.Uniform(random, d, 0.5f, 1.5f);
                float[] bias = withBias ? TestData.Uniform(random, d) : [];
                var expected = new float[n * d];
                Reference.LayerNorm(x, n, d, weight, bias, 1e-6f, expected);
                var actual = new float[n * d];
                cpu.LayerNorm(x, n, d, weight, bias, 1e-6f, actual);
                TestData.AssertClose(expected, actual, Math.Sqrt(d), $"LayerNorm n={n} d={d} bias={withBias}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void SigmoidActivations_BeyondExpRange_MatchReference(SimdLevel level)
    {
        // SiLU and quick GELU take e^(−z) from FastExp, which returns 0 below −87.33 and saturates at
        // e⁸⁸ above 88: the products must still be the reference's to float precision out there.
        using CpuBackend cpu = TestData.Cpu(level);
        float[] gate = [-1000f, -200f, -103f, -90f, -88.5f, -87.4f, -87.3f, -20f, -1e-30f, 0f, 1e-30f, 20f, 87.3f, 87.4f, 88.5f, 90f, 103f, 200f, 1000f];
        float[] up = [.. gate.Select((_, i) => i % 2 == 0 ? 1.5f : -0.75f)];
        var expected = new float[gate.Length];
        Reference.SwiGlu(gate, up, expected);
        var actual = new float[gate.Length];
        cpu.SwiGlu(gate, up, actual);
        TestData.AssertClose(expected, actual, 1, "SwiGlu");
        float[] quick = (float[])gate.Clone();
        float[] refQuick = (float[])gate.Clone();
        Reference.QuickGelu(refQuick);
        cpu.QuickGelu(quick);
        TestData.AssertClose(refQuick, quick, 1, "QuickGelu");
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Activations_AllLengths_MatchReference(SimdLevel level)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        foreach (int length in Enumerable.Range(0, 71).Append(40_003))
        {
            string at = $"length {length}";
            float[] gate = TestData.Uniform(random, length, -8f, 8f);
            float[] up = TestData.Uniform(random, length, -2f, 2f);

            var expected = new float[length];
            Reference.SwiGlu(gate, up, expected);
            float[] aliased = (float[])gate.Clone();
            cpu.SwiGlu(aliased, up, aliased); // y aliases gate
            TestData.AssertClose(expected, aliased, 1, "SwiGlu " + at);

            float[] x = TestData.Uniform(random, length, -6f, 6f);
            float[] refQuick = (float[])x.Clone();
            float[] cpuQuick = (float[])x.Clone();
            Reference.QuickGelu(refQuick);
            cpu.QuickGelu(cpuQuick);
            TestData.AssertClose(refQuick, cpuQuick, 1, "QuickGelu " + at);

            float[] refGelu = (float[])x.Clone();
            float[] cpuGelu = (float[])x.Clone();
            Reference.GeluErf(refGelu);
            cpu.GeluErf(cpuGelu);
            TestData.AssertClose(refGelu, cpuGelu, 1, "GeluErf " + at);

            float[] refSum = (float[])up.Clone();
            float[] cpuSum = (float[])up.Clone();
            Reference.Add(x, refSum);
            cpu.Add(x, cpuSum);
            Assert.Equal(refSum, cpuSum); // one float add per element: bit-exact
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Rope_OddHeadDims_MatchesReference(SimdLevel level)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        foreach ((int n, int heads, int headDim) in new[] { (1, 1, 2), (3, 3, 16), (5, 2, 34), (7, 4, 80), (70, 4, 128) })
        {
            int rowStride = (heads * headDim) + 3;
            float[] x = TestData.Uniform(random, n * rowStride, -2f, 2f);
            float[] angles = TestData.Uniform(random, n * headDim, -10f, 10f);
            float[] cos = angles.Select(MathF.Cos).ToArray();
            float[] sin = angles.Select(MathF.Sin).ToArray();
            float[] expected = (float[])x.Clone();
            float[] actual = (float[])x.Clone();
            Reference.Rope(expected, n, heads, headDim, rowStride, cos, sin);
            cpu.Rope(actual, n, heads, headDim, rowStride, cos, sin);
            TestData.AssertClose(expected, actual, 1, $"Rope n={n} heads={heads} headDim={headDim}");
        }
    }

    private static void CheckMatMul(CpuBackend cpu, Random random, int n, int k, int m, DType dtype, bool withBias)
    {
        float[] x = TestData.Uniform(random, n * k);
        using NativeTensor w = NativeTensor.FromFloats(TestData.Uniform(random, m * k), dtype, m, k);
        float[] bias = withBias ? TestData.Uniform(random, m) : [];
        var expected = new float[n * m];
        Reference.MatMul(x, n, k, w.View, bias, expected);
        var actual = new float[n * m];
        cpu.MatMul(x, n, k, w.View, bias, actual);
        TestData.AssertClose(expected, actual, Math.Sqrt(k), $"MatMul {dtype} n={n} k={k} m={m} bias={withBias}");
    }
}
