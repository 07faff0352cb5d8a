// Pins the int8 kernels together: activation quantization is byte-identical at every vector level,
// and every dot-product kernel this machine runs (scalar, Vector128, AVX2, AVX-VNNI), single-row
// and 4-row, agrees with the scalar kernel. Integer block sums are exact in all of them; only the
// float accumulation order differs, so the tolerance is 1e-6 of Σ|d_w·d_x·w·x| (≈ 8 float ulps).
using QwenVL.Tensors.Quant;

namespace QwenVL.Tensors.Tests;

public class QuantKernelTests
{
    public static TheoryData<QuantKernel, DType> KernelCases()
    {
        var data = new TheoryData<QuantKernel, DType>();
        foreach (QuantKernel kernel in QuantKernels.Supported)
        {
            data.Add(kernel, DType.Q8_0);
            data.Add(kernel, DType.Q4_0);
        }
        return data;
    }

    [Fact]
    public unsafe void QuantizeActivations_EveryLevel_IdenticalWithinHalfStepAndOffsets()
    {
        var random = new Random(TestData.Seed);
        foreach (float[] x in QuantFormatTests.RandomRows(random, 30))
        {
            int blocks = x.Length / 32;
            var q0 = new sbyte[x.Length];
            var d0 = new float[blocks];
            var s0 = new int[blocks];
            QuantKernels.QuantizeActivations(x, DType.Q4_0, q0, d0, s0, SimdLevel.Scalar);
            foreach (SimdLevel level in TestData.Levels())
            {
                var q = new sbyte[x.Length];
                var d = new float[blocks];
                var s = new int[blocks];
                QuantKernels.QuantizeActivations(x, DType.Q4_0, q, d, s, level);
                Assert.Equal(q0, q);
                Assert.Equal(d0, d);
                Assert.Equal(s0, s);
                // The K-quant form: Σq per 16 values, for the kernels' side sums.
                var halves = new int[x.Length / 16];
                fixed (float* px = x)
                fixed (sbyte* pq = q)
                fixed (float* pd = d)
                fixed (int* ph = halves)
                {
                    ActivationQuantizer.QuantizeRow(px, x.Length, pq, pd, null, 0, SimdLevels.Resolve(level), ph);
                }
                Assert.Equal(q0, q);
                for (int h = 0; h < halves.Length; h++)
                {
                    Assert.True(q0.AsSpan(h * 16, 16).ToArray().Sum(v => v) == halves[h], $"{level}: sum of values {h * 16}..{(h * 16) + 15}");
                }
            }
            for (int i = 0; i < x.Length; i++)
            {
                float d = d0[i / 32];
                Assert.InRange(Math.Abs(x[i] - (q0[i] * d)), 0, (d * 0.5) + (1e-6 * d * 127));
            }
            var s128 = new int[blocks];
            QuantKernels.QuantizeActivations(x, DType.Q8_0, new sbyte[x.Length], new float[blocks], s128);
            for (int b = 0; b < blocks; b++)
            {
                int sum = q0.AsSpan(b * 32, 32).ToArray().Sum(v => v);
                Assert.Equal(-8 * sum, s0[b]);     // Q4_0 nibbles carry a +8 bias
                Assert.Equal(-128 * sum, s128[b]); // Q8_0 weights are biased by +128 on AVX-VNNI
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases))]
    public void Dot_RandomRows_MatchesScalarKernel(QuantKernel kernel, DType dtype)
    {
        var random = new Random(TestData.Seed);
        foreach (int k in new[] { 32, 64, 96, 320, 2048 })
        {
            foreach (int rows in new[] { 1, 2, 3, 4 })
            {
                byte[] w = RandomWeights(random, dtype, k);
                float[] x = TestData.Uniform(random, rows * k, -2f, 2f);
                CheckAgainstScalar(kernel, dtype, w, x, rows, k);
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases))]
    public void Dot_ExtremeValues_MatchesScalarKernel(QuantKernel kernel, DType dtype)
    {
        // Saturation check: weights at −128 / +127 (Q8_0 as a GGUF may store them) or nibbles 0 / 15,
        // activations at ±127 with matching signs, so every vpmaddubsw pair is as large as it gets.
        int k = 256;
        byte[] w = new byte[DTypeInfo.ByteCount(dtype, k)];
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        for (int b = 0; b < k / 32; b++)
        {
            w[b * blockBytes] = 0x00;
            w[(b * blockBytes) + 1] = 0x3C; // d = 1
            for (int j = 2; j < blockBytes; j++)
            {
                w[(b * blockBytes) + j] = dtype == DType.Q8_0 ? (byte)(j % 2 == 0 ? 0x80 : 0x7F) : (byte)(j % 2 == 0 ? 0x00 : 0xFF);
            }
        }
        float[] x = new float[4 * k];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 2 == 0) ? -1f : 1f;
        }
        CheckAgainstScalar(kernel, dtype, w, x, 4, k);
        CheckAgainstScalar(kernel, dtype, w, x, 1, k);
    }

    [Theory]
    [MemberData(nameof(KernelCases))]
    public void DotWeightRows4_RandomRows_MatchesScalarKernel(QuantKernel kernel, DType dtype)
    {
        // The decode kernel: one activation row against 4 weight rows; k = 288 leaves a partial group of 8 blocks.
        var random = new Random(TestData.Seed);
        foreach (int k in new[] { 32, 96, 256, 288, 2048 })
        {
            byte[] w = [.. Enumerable.Range(0, 4).SelectMany(_ => RandomWeights(random, dtype, k))];
            float[] x = TestData.Uniform(random, k, -2f, 2f);
            var q = new sbyte[k];
            var d = new float[k / 32];
            var o = new int[k / 32];
            QuantKernels.QuantizeActivations(x, dtype, q, d, o);
            var actual = new float[4];
            QuantKernels.DotWeightRows4(kernel, dtype, w, q, d, o, actual);
            int rowBytes = w.Length / 4;
            for (int r = 0; r < 4; r++)
            {
                var expected = new float[1];
                byte[] row = w.AsSpan(r * rowBytes, rowBytes).ToArray();
                QuantKernels.Dot(QuantKernel.Scalar, dtype, row, 1, q, d, o, expected);
                var wf = new float[k];
                Numerics.ToFloat(row, dtype, wf);
                double magnitude = 0;
                for (int t = 0; t < k; t++)
                {
                    magnitude += Math.Abs((double)wf[t] * q[t] * d[t / 32]);
                }
                Assert.True(Math.Abs(actual[r] - expected[0]) <= (1e-6 * magnitude) + 1e-30,
                    $"{kernel} {dtype} k={k} row {r}: {actual[r]:R} vs scalar {expected[0]:R}");
            }
        }
    }

    internal static byte[] RandomWeights(Random random, DType dtype, int k)
    {
        float[] values = TestData.Uniform(random, k, -0.1f, 0.1f);
        var bytes = new byte[DTypeInfo.ByteCount(dtype, k)];
        Numerics.FromFloat(values, dtype, bytes);
        return bytes;
    }

    private static void CheckAgainstScalar(QuantKernel kernel, DType dtype, byte[] w, float[] x, int rows, int k)
    {
        int blocks = k / 32;
        var q = new sbyte[rows * k];
        var d = new float[rows * blocks];
        var s = new int[rows * blocks];
        QuantKernels.QuantizeActivations(x.AsSpan(0, rows * k), dtype, q, d, s);
        var expected = new float[rows];
        var actual = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            QuantKernels.Dot(QuantKernel.Scalar, dtype, w, 1, q.AsSpan(r * k), d.AsSpan(r * blocks), s.AsSpan(r * blocks), expected.AsSpan(r));
        }
        QuantKernels.Dot(kernel, dtype, w, rows, q, d, s, actual);
        var wf = new float[k];
        Numerics.ToFloat(w, dtype, wf);
        for (int r = 0; r < rows; r++)
        {
            double magnitude = 0;
            for (int t = 0; t < k; t++)
            {
                magnitude += Math.Abs((double)wf[t] * q[(r * k) + t] * d[(r * blocks) + (t / 32)]);
            }
            double tolerance = (1e-6 * magnitude) + 1e-30;
            Assert.True(Math.Abs(actual[r] - expected[r]) <= tolerance,
                $"{kernel} {dtype} k={k} rows={rows} row {r}: {actual[r]:R} vs scalar {expected[r]:R}, tolerance {tolerance:E2}");
        }
    }
}
