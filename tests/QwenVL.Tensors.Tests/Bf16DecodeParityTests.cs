// Pins the in-register BF16 decode kernels (CpuBackend.Bf16Decode.cs: 4 weight rows x 1, 2 or 4
// x-rows, 8 weight rows x 1 on AVX-512, split even/odd lanes) to the scalar reference at every SIMD
// level this machine runs, over every x-row count below the GEMM threshold, k around each vector
// step (tails), weight-row counts that leave rows after the 8 eighths and the 4 quarters, and shapes
// big enough to split across threads; and the 8-row kernel to the 4-row one bit for bit.
using System.Runtime.Intrinsics;
using QwenVL.Tensors.Decode;

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

    [Fact]
    public unsafe void Rows8X1_EachRowBitIdenticalToRows4X1()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return; // the 8-row kernel only runs at the Vector512 level
        }
        var random = new Random(TestData.Seed);
        foreach (int k in new[] { 32, 33, 95, 2048 + 7 })
        {
            ushort[] w = new ushort[16 * k];
            float[] values = TestData.Uniform(random, w.Length);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = Numerics.FloatToBF16(values[i]);
            }
            float[] x = TestData.Uniform(random, k), split = new float[k];
            float[] eight = new float[8], four = new float[8];
            fixed (ushort* pw = w)
            fixed (float* px = x, ps = split, p8 = eight, p4 = four)
            {
                Bf16MatVec<Bf16Lanes512, Vector512<float>>.Split(px, k, ps);
                // Rows 1, 3, 5, …, 15: stride 2 rows, as Decode's eighths are spaced.
                Bf16MatVec<Bf16Lanes512, Vector512<float>>.Rows8X1(pw + k, 2L * k, ps, k, p8);
                Bf16MatVec<Bf16Lanes512, Vector512<float>>.Rows4X1(pw + k, pw + (3 * k), pw + (5 * k), pw + (7 * k), ps, k, p4);
                Bf16MatVec<Bf16Lanes512, Vector512<float>>.Rows4X1(pw + (9 * k), pw + (11 * k), pw + (13 * k), pw + (15 * k), ps, k, p4 + 4);
            }
            Assert.Equal(four, eight);
            Assert.All(eight, v => Assert.NotEqual(0f, v));
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void MatMul_Bf16OneRow_StepsTakenByOtherThreads_MatchOneThreadBitForBit(SimdLevel level)
    {
        // Threads that finish their slice claim the others' remaining eighth steps. 5 threads on
        // this 2-core machine are descheduled often, so steps change hands on most calls; each
        // weight row's arithmetic is the same whoever runs it (Rows8X1 ≡ Rows4X1), so every call
        // must equal the one-thread result exactly. 5 slices of 8 eighths × 3 steps, plus a tail;
        // k = 512 puts the call over the threshold (65536 multiply-adds) below which it runs on one thread.
        using CpuBackend many = new(threads: 5, maxSimd: level);
        using CpuBackend one = new(threads: 1, maxSimd: level);
        var random = new Random(TestData.Seed);
        const int k = 512, m = (5 * 8 * 3) + 13;
        using NativeTensor w = NativeTensor.FromFloats(TestData.Uniform(random, m * k), DType.BF16, m, k);
        TestData.AssertOneRowMatchesOneThread(many, one, TestData.Uniform(random, k), w.View, TestData.Uniform(random, m));
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
