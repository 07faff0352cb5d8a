// Pins the in-register BF16 decode kernels (CpuBackend.Bf16Decode.cs: 4 weight rows x 1, 2 or 4
// x-rows, split even/odd lanes) to the scalar reference at every SIMD level this machine runs, over
// every x-row count below the GEMM threshold, k around each vector step (tails), weight-row counts
// that leave 0-3 rows after the 4 quarters, and shapes big enough to split across threads.
namespace QwenVL.Tensors.Tests;

public class Bf16DecodeParityTests
{
    private static readonly ReferenceBackend Reference = new();

    public static TheoryData<SimdLevel> Levels() => TestData.LevelData();

    [Theory]
    [MemberData(nameof(Levels))]
    public void MatMul_Bf16FewRows_MatchesReference(SimdLevel level)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        for (int n = 1; n < 6; n++)
        {
            foreach (int k in new[] { 1, 7, 8, 15, 16, 31, 32, 33, 64, 95, 130 })
            {
                foreach (int m in new[] { 1, 3, 4, 5, 7, 17, 67 })
                {
                    Check(cpu, random, n, k, m, withBias: (n + k + m) % 2 == 0);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void MatMul_Bf16FewRowsParallel_MatchesReference(SimdLevel level)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        for (int n = 1; n < 6; n++)
        {
            Check(cpu, random, n, 2048 + 32 + 3, 601, withBias: true); // 3 partitions, 1 row left per quarter walk
        }
    }

    private static void Check(CpuBackend cpu, Random random, int n, int k, int m, bool withBias)
    {
        float[] x = TestData.Uniform(random, n * k);
        using NativeTensor w = NativeTensor.FromFloats(TestData.Uniform(random, m * k), DType.BF16, m, k);
        float[] bias = withBias ? TestData.Uniform(random, m) : [];
        var expected = new float[n * m];
        Reference.MatMul(x, n, k, w.View, bias, expected);
        var actual = new float[n * m];
        cpu.MatMul(x, n, k, w.View, bias, actual);
        // Float32 sums in another order: error grows like sqrt(k) times the unit roundoff scale.
        TestData.AssertClose(expected, actual, Math.Sqrt(k), $"BF16 decode n={n} k={k} m={m} bias={withBias}");
    }
}
