// The ggml block formats byte by byte: hand-made Q8_0 / Q4_0 blocks with known bytes (roundf's
// halves away from zero, Q4_0's first-largest-magnitude sign rule and its clamp at 15), hand-built
// Q4_K / Q6_K super-blocks decoded against the formula, round-trip error bounds on random data,
// and the vectorized quantizer pinned byte-for-byte to the scalar reference.
using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using QwenVL.Tensors.Quant;

namespace QwenVL.Tensors.Tests;

public class QuantFormatTests
{
    [Fact]
    public void HalfToFloat_EveryHalf_MatchesSystemHalf()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            float actual = BlockFormats.HalfToFloat((ushort)bits);
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(actual), $"0x{bits:X4}");
            }
            else
            {
                Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual), $"0x{bits:X4}: {actual} != {expected}");
            }
        }
    }

    [Fact]
    public void HalfToFloatVector_EveryFiniteHalf_MatchesSystemHalfWhateverTheUpperBits()
    {
        // The kernels pass halves sign-extended (a load of shorts) or with the next field's bits
        // above them (a gather of 32-bit words): both must be ignored. Subnormal halves (0x0001-0x03FF,
        // 0x8001-0x83FF) are the case the assist-free path exists for.
        int[] upper = [0, -1, 0x5A5A, 0x7FFF];
        for (int start = 0; start <= ushort.MaxValue; start += 8)
        {
            foreach (int high in upper)
            {
                var lanes = new int[16];
                for (int l = 0; l < 16; l++) { lanes[l] = ((start + (l % 8)) | (high << 16)) ^ (l < 8 ? 0 : 0x8000); }
                Vector256<float> narrow = BlockFormats.HalfToFloat(Vector256.Create(lanes.AsSpan(0, 8)));
                Vector512<float> wide = BlockFormats.HalfToFloat(Vector512.Create(lanes));
                for (int l = 0; l < 16; l++)
                {
                    var half = (ushort)lanes[l];
                    float expected = (float)BitConverter.UInt16BitsToHalf(half);
                    if (!float.IsFinite(expected))
                    {
                        continue; // inf/NaN scales: documented as large finite values
                    }
                    uint want = BitConverter.SingleToUInt32Bits(expected);
                    Assert.True(want == BitConverter.SingleToUInt32Bits(wide[l]), $"16 lanes, 0x{half:X4} with upper bits 0x{high & 0xFFFF:X4}: {wide[l]} != {expected}");
                    if (l < 8)
                    {
                        Assert.True(want == BitConverter.SingleToUInt32Bits(narrow[l]), $"8 lanes, 0x{half:X4} with upper bits 0x{high & 0xFFFF:X4}: {narrow[l]} != {expected}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void QuantizeQ8_0_HandMadeBlock_GivesGgmlBytes(bool vectorized)
    {
        // amax = 127 → d = 1 (f16 0x3C00), id = 1, q = roundf(x): halves go away from zero.
        float[] x = new float[32];
        float[] values = [127f, -127f, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 0.49999997f, 3.4f, -3.6f, 0f, 126.5f];
        values.CopyTo(x, 0);
        var block = new byte[34];
        BlockQuantizer.Quantize(x, DType.Q8_0, block, vectorized);
        Assert.Equal(0x3C00, BinaryPrimitives.ReadUInt16LittleEndian(block));
        sbyte[] expected = [127, -127, 1, -1, 2, 3, -3, 0, 3, -4, 0, 127];
        for (int j = 0; j < 32; j++)
        {
            Assert.Equal(j < expected.Length ? expected[j] : (sbyte)0, (sbyte)block[2 + j]);
        }
        float[] back = new float[32];
        Numerics.ToFloat(block, DType.Q8_0, back);
        Assert.Equal(-4f, back[9]);
        Assert.Equal(127f, back[11]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void QuantizeQ4_0_NegativeMaxFirst_GivesGgmlBytes(bool vectorized)
    {
        // max = −8 (first of the two largest magnitudes) → d = max/−8 = 1, q = min(15, trunc(x + 8.5)).
        float[] x = new float[32];
        x[0] = -8f;
        for (int j = 1; j < 16; j++)
        {
            x[j] = j - 8;       // → nibble j
        }
        x[16] = 7.4f;           // 15.9 → 15
        x[17] = 8f;             // same magnitude as −8 but later: does not flip d; 16.5 → 16 → clamped 15
        x[18] = -7.6f;          // 0.9 → 0
        x[19] = 0.49f;          // 8.99 → 8
        var block = new byte[18];
        BlockQuantizer.Quantize(x, DType.Q4_0, block, vectorized);
        Assert.Equal(0x3C00, BinaryPrimitives.ReadUInt16LittleEndian(block));
        int[] high = new int[16];
        high[0] = 15; high[1] = 15; high[2] = 0; high[3] = 8;
        for (int j = 4; j < 16; j++)
        {
            high[j] = 8;        // x = 0 → 8.5 → 8
        }
        for (int j = 0; j < 16; j++)
        {
            Assert.Equal(j | (high[j] << 4), block[2 + j]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void QuantizeQ4_0_PositiveMax_GivesNegativeScale(bool vectorized)
    {
        float[] x = new float[32];
        x[5] = 4f;              // max = 4 → d = −0.5 (f16 0xB800), id = −2
        x[6] = -4f;             // same magnitude, later: −4·−2 + 8.5 = 16.5 → clamped 15
        x[7] = 1f;              // −2 + 8.5 = 6.5 → 6
        var block = new byte[18];
        BlockQuantizer.Quantize(x, DType.Q4_0, block, vectorized);
        Assert.Equal(0xB800, BinaryPrimitives.ReadUInt16LittleEndian(block));
        Assert.Equal(0 | (8 << 4), block[2 + 5]);
        Assert.Equal(15 | (8 << 4), block[2 + 6]);
        Assert.Equal(6 | (8 << 4), block[2 + 7]);
        Assert.Equal(8 | (8 << 4), block[2 + 0]);
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    public void Quantize_RandomRows_VectorEqualsScalarBytes(DType dtype)
    {
        var random = new Random(TestData.Seed);
        foreach (float[] x in RandomRows(random, 40))
        {
            var scalar = new byte[DTypeInfo.ByteCount(dtype, x.Length)];
            var vector = new byte[scalar.Length];
            BlockQuantizer.Quantize(x, dtype, scalar, vectorized: false);
            BlockQuantizer.Quantize(x, dtype, vector, vectorized: true);
            Assert.Equal(scalar, vector);
        }
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public unsafe void BlockDequant_RandomAndExtremeBlocks_EqualsScalarReferenceBitForBit(DType dtype)
    {
        // The GEMMs dequantize quantized panels with BlockDequant (AVX-512, else 128-bit vectors); the
        // scalar BlockFormats.Dequantize is the definition. Random blocks, then every quant and scale
        // byte 0xFF (nibbles 15, 6-bit scales and mins 63, int8 values and Q6_K scales −1) and 0x80 (−128).
        var random = new Random(TestData.Seed);
        const int m = 6, k = 768;
        using NativeTensor w = QuantMatMulParityTests.RandomTensor(random, dtype, m, k);
        foreach (byte fill in new byte[] { 0, 0xFF, 0x80 })
        {
            if (fill != 0)
            {
                // Everything but the f16 scales: Q8_0 −1 and −128, Q4_0 nibbles 15 and 0/8 as well.
                Span<byte> bytes = w.Bytes;
                int blockBytes = DTypeInfo.BlockBytes(dtype);
                (int from, int count) = dtype switch
                {
                    DType.Q4_K => (4, 140),
                    DType.Q6_K => (0, 208),
                    _ => (2, blockBytes - 2),
                };
                for (int offset = 0; offset < bytes.Length; offset += blockBytes)
                {
                    bytes.Slice(offset + from, count).Fill(fill);
                }
            }
            var expected = new float[m * k];
            BlockFormats.Dequantize(w.Bytes, dtype, expected);
            // What Run picks here, then each width forced (the 128-bit form is what AVX2 and ARM64 run).
            var forms = new List<(string Name, float[] Values)>();
            fixed (byte* source = w.Bytes)
            {
                var run = new float[m * k];
                fixed (float* destination = run)
                {
                    BlockDequant.Run(source, dtype, m * k, destination);
                }
                forms.Add(("Run", run));
                {
                    var v128 = new float[m * k];
                    fixed (float* destination = v128)
                    {
                        BlockDequant.Blocks<BlockDequant.Widen128>(source, dtype, m * k / DTypeInfo.BlockSize(dtype), destination);
                    }
                    forms.Add(("Vector128", v128));
                    if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
                    {
                        var v512 = new float[m * k];
                        fixed (float* destination = v512)
                        {
                            BlockDequant.Blocks<BlockDequant.Widen512>(source, dtype, m * k / DTypeInfo.BlockSize(dtype), destination);
                        }
                        forms.Add(("Vector512", v512));
                    }
                }
            }
            foreach ((string name, float[] actual) in forms)
            {
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(actual[i]),
                        $"{dtype} {name} fill 0x{fill:X2} value {i}: {actual[i]:R} != {expected[i]:R}");
                }
            }
        }
    }

    [Fact]
    public void Q8_0_RoundTrip_ErrorWithinHalfStep()
    {
        // |x − q·d₁₆| ≤ d/2 + |q|·|d − d₁₆|: half a step of the float scale the rounding used, plus
        // what storing d as f16 moves the grid (≤ 127·2⁻¹¹·d, about 6% of a step at the extremes).
        var random = new Random(TestData.Seed);
        foreach (float[] x in RandomRows(random, 40))
        {
            var bytes = new byte[DTypeInfo.ByteCount(DType.Q8_0, x.Length)];
            Numerics.FromFloat(x, DType.Q8_0, bytes);
            var back = new float[x.Length];
            Numerics.ToFloat(bytes, DType.Q8_0, back);
            for (int b = 0; b < x.Length / 32; b++)
            {
                float amax = 0f;
                for (int j = 0; j < 32; j++) { amax = MathF.Max(amax, MathF.Abs(x[(b * 32) + j])); }
                float d = amax / 127f;
                float d16 = BlockFormats.HalfToFloat(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(b * 34)));
                for (int j = 0; j < 32; j++)
                {
                    int i = (b * 32) + j;
                    int q = (sbyte)bytes[(b * 34) + 2 + j];
                    double bound = (d / 2.0) + (Math.Abs(q) * Math.Abs(d - d16)) + (1e-6 * amax);
                    Assert.True(Math.Abs(x[i] - back[i]) <= bound, $"value {i}: {x[i]} -> {back[i]}, bound {bound}");
                }
            }
        }
    }

    [Fact]
    public void Q4_0_RoundTrip_ErrorWithinHalfStepExceptClampedEdge()
    {
        // Half a step |d|/2 (plus the f16 shift of the grid, |q−8|·|d − d₁₆|), except values on the
        // side opposite the largest one beyond 7.5·|d|: ggml clamps them to +7, so up to one full step.
        var random = new Random(TestData.Seed);
        foreach (float[] x in RandomRows(random, 40))
        {
            var bytes = new byte[DTypeInfo.ByteCount(DType.Q4_0, x.Length)];
            Numerics.FromFloat(x, DType.Q4_0, bytes);
            var back = new float[x.Length];
            Numerics.ToFloat(bytes, DType.Q4_0, back);
            for (int b = 0; b < x.Length / 32; b++)
            {
                float max = 0f;
                for (int j = 0; j < 32; j++) { if (MathF.Abs(max) < MathF.Abs(x[(b * 32) + j])) { max = x[(b * 32) + j]; } }
                float d = Math.Abs(max / -8f);
                float d16 = Math.Abs(BlockFormats.HalfToFloat(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(b * 18))));
                for (int j = 0; j < 32; j++)
                {
                    int i = (b * 32) + j;
                    bool clamped = Math.Sign(x[i]) == -Math.Sign(max) && Math.Abs(x[i]) > 7.5 * d;
                    double bound = ((clamped ? 1.0 : 0.5) * d) + (8 * Math.Abs(d - d16)) + (1e-6 * Math.Abs(max));
                    Assert.True(Math.Abs(x[i] - back[i]) <= bound, $"value {i}: {x[i]} -> {back[i]}, bound {bound}");
                }
            }
        }
    }

    [Fact]
    public void DequantizeQ4_K_HandBuiltBlock_MatchesFormula()
    {
        int[] sc = [1, 2, 3, 4, 33, 40, 63, 17];
        int[] mins = [0, 5, 10, 63, 1, 2, 48, 31];
        var block = new byte[144];
        BinaryPrimitives.WriteUInt16LittleEndian(block, 0x3800);             // d = 0.5
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(2), 0x3400);   // dmin = 0.25
        Span<byte> scales = block.AsSpan(4, 12);
        for (int j = 0; j < 8; j++)
        {
            if (j < 4)
            {
                scales[j] |= (byte)sc[j];
                scales[j + 4] |= (byte)mins[j];
            }
            else
            {
                scales[j + 4] = (byte)((sc[j] & 0x0F) | ((mins[j] & 0x0F) << 4));
                scales[j - 4] |= (byte)((sc[j] >> 4) << 6);
                scales[j] |= (byte)((mins[j] >> 4) << 6);
            }
        }
        // Value i: sub-block i/32; chunk i/64 owns qs[32·chunk ..+32); odd sub-blocks use high nibbles.
        int[] q = new int[256];
        for (int i = 0; i < 256; i++)
        {
            q[i] = ((i * 7) + (i / 32)) & 0x0F;
            int index = 16 + (32 * (i / 64)) + (i % 32);
            block[index] |= (byte)((i / 32) % 2 == 0 ? q[i] : q[i] << 4);
        }
        var y = new float[256];
        Numerics.ToFloat(block, DType.Q4_K, y);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal((0.5f * sc[i / 32] * q[i]) - (0.25f * mins[i / 32]), y[i]);
        }
        Assert.Equal((sc[5], mins[5]), BlockFormats.ScaleMinK4(scales, 5));
    }

    [Fact]
    public void DequantizeQ6_K_HandBuiltBlock_MatchesFormula()
    {
        sbyte[] sc = [1, -2, 3, -4, 5, 127, -128, 8, 9, -10, 11, 12, -13, 14, 15, -16];
        var block = new byte[210];
        int[] q = new int[256];
        for (int i = 0; i < 256; i++)
        {
            q[i] = ((i * 37) + 11) % 64;                // 6-bit value, stored with +32 offset
            int half = i / 128, t = i % 128, l = t % 32, group = t / 32;
            int ql = (64 * half) + l + (group % 2 == 1 ? 32 : 0);
            block[ql] |= (byte)(group < 2 ? q[i] & 0x0F : (q[i] & 0x0F) << 4);
            block[128 + (32 * half) + l] |= (byte)((q[i] >> 4) << (2 * group));
        }
        for (int s = 0; s < 16; s++)
        {
            block[192 + s] = (byte)sc[s];
        }
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(208), 0x3000);  // d = 0.125
        var y = new float[256];
        Numerics.ToFloat(block, DType.Q6_K, y);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(0.125f * sc[i / 16] * (q[i] - 32), y[i]);
        }
    }

    [Fact]
    public void ReadRow_QuantizedTensor_DequantizesThatRow()
    {
        var random = new Random(TestData.Seed);
        float[] values = TestData.Uniform(random, 3 * 64);
        using NativeTensor tensor = NativeTensor.FromFloats(values, DType.Q8_0, 3, 64);
        Assert.Equal(3 * 2 * 34, tensor.View.ByteLength);
        var row = new float[64];
        tensor.View.ReadRow(2, row);
        var expected = new float[64];
        BlockFormats.Dequantize(tensor.View.Bytes.Slice(2 * 68, 68), DType.Q8_0, expected);
        Assert.Equal(expected, row);
        Assert.InRange(Math.Abs(row[5] - values[128 + 5]), 0, 0.01);
    }

    [Fact]
    public void ToFloat_PartialBlock_Throws()
    {
        Assert.Throws<ArgumentException>(() => Numerics.ToFloat(new byte[35], DType.Q8_0, new float[64]));
        Assert.Throws<ArgumentException>(() => Numerics.FromFloat(new float[33], DType.Q4_0, new byte[64]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Numerics.FromFloat(new float[256], DType.Q4_K, new byte[144]));
    }

    /// <summary>Random rows with the awkward cases: zero blocks, exact ties, equal opposite extremes, wide ranges.</summary>
    internal static IEnumerable<float[]> RandomRows(Random random, int count)
    {
        for (int r = 0; r < count; r++)
        {
            int blocks = 1 + random.Next(8);
            float scale = MathF.Pow(10f, random.Next(-4, 3));
            float[] x = TestData.Uniform(random, blocks * 32, -scale, scale);
            switch (r % 5)
            {
                case 1: Array.Clear(x, 0, 32); break;
                case 2:
                    // Multiples of 0.5 with amax 127: d = 1, so every odd value is an exact rounding tie.
                    for (int j = 0; j < x.Length; j++) { x[j] = random.Next(-254, 255) * 0.5f; }
                    x[0] = 127f;
                    break;
                case 3: x[3] = scale * 2; x[7] = -scale * 2; break;
                case 4: x[9] = -scale * 3; x[1] = scale * 3; break;
            }
            yield return x;
        }
    }
}
