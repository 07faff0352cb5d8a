// Pins the packed GEMM (CpuBackend.MatMul for n ≥ 16) to ReferenceBackend over odd shapes at every
// SIMD level, float dtype, with and without bias, on 1 and 3 threads; shrunken blocks push the same
// shapes through every KC/MC/NC edge. Also pins the AVX-512 and AVX2 packing transposes to the portable loops.
using QwenVL.Tensors;
using QwenVL.Tensors.Gemm;

namespace QwenVL.Tensors.Tests;

public class GemmParityTests
{
    private static readonly ReferenceBackend Reference = new();

    public static TheoryData<SimdLevel, DType, bool, int> Cases()
    {
        var data = new TheoryData<SimdLevel, DType, bool, int>();
        foreach (SimdLevel level in TestData.Levels())
        {
            foreach (DType dtype in new[] { DType.F32, DType.F16, DType.BF16 })
            {
                foreach (int threads in new[] { 1, 3 })
                {
                    data.Add(level, dtype, true, threads);
                    data.Add(level, dtype, false, threads);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_OddShapesAroundGemmThreshold_MatchesReference(SimdLevel level, DType dtype, bool withBias, int threads)
    {
        using var cpu = new CpuBackend(threads, level);
        Assert.Equal(level, cpu.Level);
        var random = new Random(TestData.Seed);
        foreach (int n in new[] { 1, 15, 16, 17, 33, 100 })
        {
            foreach (int k in new[] { 1, 7, 64, 67, 300 })
            {
                foreach (int m in new[] { 1, 31, 32, 33, 100 })
                {
                    Check(cpu, random, n, k, m, dtype, withBias, Math.Sqrt(k));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_TinyBlocks_MatchesReferenceAcrossEveryBlockEdge(SimdLevel level, DType dtype, bool withBias, int threads)
    {
        using var cpu = new CpuBackend(threads, level);
        // KC = 32 gives k = 67 three k blocks (the last one odd); MC/NC of a few tiles give several
        // row and column blocks with partial tiles at the end of each.
        cpu.BlockingOverride = new GemmBlocking(KC: 32, MC: 30, NC: 70);
        var random = new Random(TestData.Seed);
        foreach ((int n, int k, int m) in new[] { (16, 67, 100), (100, 67, 33), (61, 300, 131), (37, 17, 200) })
        {
            Check(cpu, random, n, k, m, dtype, withBias, Math.Sqrt(k));
        }
    }

    [Fact]
    public void MatMul_WarmCall_AllocatesNothing()
    {
        using var cpu = new CpuBackend(threads: 1);
        var random = new Random(TestData.Seed);
        float[] x = TestData.Uniform(random, 40 * 300);
        using NativeTensor w = NativeTensor.FromFloats(TestData.Uniform(random, 70 * 300), DType.BF16, 70, 300);
        var y = new float[40 * 70];
        Assert.Equal(0, TestData.SteadyStateAllocation(() => cpu.MatMul(x, 40, 300, w.View, [], y)));
    }

    [Theory]
    [InlineData(DType.F32, 32)]
    [InlineData(DType.F16, 32)]
    [InlineData(DType.BF16, 32)]
    [InlineData(DType.F32, 16)]
    [InlineData(DType.F16, 16)]
    [InlineData(DType.BF16, 16)]
    public unsafe void PackBVectorized_OddDepths_EqualsPortablePacking(DType dtype, int width)
    {
        var random = new Random(TestData.Seed);
        const int ldw = 83;
        using NativeTensor w = NativeTensor.FromFloats(TestData.Uniform(random, 40 * ldw), dtype, 40, ldw);
        // Whole transpose steps only (16 k for the 32-column packer, 8 for the 16-column one), a tail,
        // an odd start, a short panel, fewer k than one step, and a start near the row's end.
        foreach ((int cols, int k0, int kc) in new[] { (width, 0, 16), (width, 3, 47), (width, 5, 78), (width - 1, 0, 40), (width, 0, 5), (width, 75, 8) })
        {
            var expected = new float[kc * width];
            var actual = new float[kc * width];
            var scratch = new float[width * kc];
            fixed (float* e = expected, a = actual, s = scratch)
            {
                GemmPacking.PackB((byte*)w.View.Data, dtype, ldw, cols, k0, kc, e, s, width);
                if (width == 32)
                {
                    GemmPacking.PackB32((byte*)w.View.Data, dtype, ldw, cols, k0, kc, a, s);
                }
                else
                {
                    GemmPacking.PackB16((byte*)w.View.Data, dtype, ldw, cols, k0, kc, a, s);
                }
            }
            Assert.Equal(expected, actual);
        }
    }

    [Avx2Fact]
    public unsafe void Transpose8_FloatAndBf16Rows_SwapRowsAndLanes()
    {
        const int stride = 11; // rows further apart than 8 values, unaligned
        float[] source = Enumerable.Range(0, 8 * stride).Select(i => (float)i).ToArray();
        ushort[] bf16 = source.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray(); // small integers are exact in bf16
        var fromFloats = new float[8 * 13];
        var fromBf16 = new float[8 * 13];
        fixed (float* src = source, dst = fromFloats, dst2 = fromBf16)
        fixed (ushort* src2 = bf16)
        {
            Transpose8.Run<FloatRows8>(src, stride, dst, 13);
            Transpose8.Run<BF16Rows8>(src2, stride, dst2, 13);
        }
        for (int i = 0; i < 8; i++)
        {
            for (int r = 0; r < 8; r++)
            {
                Assert.Equal(source[(r * stride) + i], fromFloats[(i * 13) + r]);
                Assert.Equal(source[(r * stride) + i], fromBf16[(i * 13) + r]);
            }
        }
    }

    [Fact]
    public unsafe void PackA12_OddDepths_EqualsPortablePacking()
    {
        var random = new Random(TestData.Seed);
        const int ldx = 91;
        float[] x = TestData.Uniform(random, 12 * ldx);
        foreach ((int rows, int k0, int kc) in new[] { (12, 0, 16), (12, 7, 61), (12, 0, 91), (11, 2, 33), (12, 1, 3) })
        {
            var expected = new float[kc * 12];
            var actual = new float[kc * 12];
            fixed (float* px = x, e = expected, a = actual)
            {
                GemmPacking.PackA(px, ldx, rows, k0, kc, e, 12);
                GemmPacking.PackA12(px, ldx, rows, k0, kc, a);
            }
            Assert.Equal(expected, actual);
        }
    }

    [Avx512Fact]
    public unsafe void Transpose16_FloatRows_SwapsRowsAndLanes()
    {
        const int stride = 19; // rows further apart than 16 floats, unaligned
        float[] source = Enumerable.Range(0, 16 * stride).Select(i => (float)i).ToArray();
        var result = new float[16 * 20];
        fixed (float* src = source, dst = result)
        {
            Transpose16.Run<FloatRows, Lanes16>(src, stride, dst, 20);
        }
        for (int i = 0; i < 16; i++)
        {
            for (int r = 0; r < 16; r++)
            {
                Assert.Equal(source[(r * stride) + i], result[(i * 20) + r]);
            }
        }
    }

    internal static void Check(CpuBackend cpu, Random random, int n, int k, int m, DType dtype, bool withBias, double scale)
    {
        float[] x = TestData.Uniform(random, n * k);
        using NativeTensor w = NativeTensor.FromFloats(TestData.Uniform(random, m * k), dtype, m, k);
        float[] bias = withBias ? TestData.Uniform(random, m) : [];
        var expected = new float[n * m];
        Reference.MatMul(x, n, k, w.View, bias, expected);
        var actual = new float[n * m];
        Array.Fill(actual, float.NaN); // every element must be written
        cpu.MatMul(x, n, k, w.View, bias, actual);
        TestData.AssertClose(expected, actual, scale, $"{cpu.Name} {dtype} n={n} k={k} m={m} bias={withBias}");
    }
}
