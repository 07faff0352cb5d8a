// The 128-bit kernels over the interleaved layouts (Quant/InterleavedDot128.cs): ARM64's sdot where
// the CPU has dotprod, and the widening multiply every Vector128 machine runs (the one x86 gets here).
// They repeat the scalar definition's float steps, so each output must equal it bit for bit: random
// blocks with f16 scales that are negative, subnormal or zero, the widest integer sums (Q8_0 at ±128,
// every nibble 15, Q6_K values 63 with int8 scales at −128 / 127, activations ±127 once quantized),
// one to five x-rows, one group alone and many.
using QwenVL.Tensors.Quant;

namespace QwenVL.Tensors.Tests;

public class Interleaved128Tests
{
    public static TheoryData<DType, bool, bool> Cases()
    {
        var data = new TheoryData<DType, bool, bool>();
        foreach (DType dtype in new[] { DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K })
        {
            foreach (bool widest in new[] { false, true })
            {
                data.Add(dtype, false, widest);
                if (System.Runtime.Intrinsics.Arm.Dp.IsSupported)
                {
                    data.Add(dtype, true, widest); // ARM64 with dotprod: sdot as well
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_128BitInterleavedKernel_EqualsScalarDefinitionBitForBit(DType dtype, bool armDot, bool widest)
    {
        using var vector = new CpuBackend(threads: 3);
        vector.QuantKernelOverride = QuantKernel.Vector128;
        vector.UseArmDotProduct = armDot;
        Assert.Equal(armDot, vector.UseArmDotProduct);
        using var scalar = new CpuBackend(threads: 3);
        scalar.QuantKernelOverride = QuantKernel.Scalar;
        var random = new Random(TestData.Seed);
        foreach ((int n, int m, int k) in new[] { (1, 8, 256), (1, 40, 512), (1, 136, 256), (2, 24, 256), (3, 40, 512), (5, 16, 256) })
        {
            using NativeTensor w = RandomBlocks(random, dtype, m, k, widest);
            using NativeTensor x8 = InterleavedQuantTests.Interleave(w);
            InterleavedKQuantTests.AssertSameOutputs(scalar, vector, x8.View, n, random, widest, $"{dtype} sdot={armDot} n={n} m={m} k={k}", "scalar");
        }
    }

    [Theory]
    [InlineData(0x0000)]
    [InlineData(0x8000)]
    [InlineData(0x0001)]
    [InlineData(0x83FF)]
    [InlineData(0x0400)]
    [InlineData(0x3C00)]
    [InlineData(0xC555)]
    [InlineData(0x7BFF)]
    [InlineData(0x7C00)]
    [InlineData(0xFC00)]
    [InlineData(0x7E01)]
    public void HalfToSingle_EqualsScalarConversion(int bits)
    {
        // Zero, negative zero, subnormals, normals, the largest half, infinities and a NaN.
        var halves = System.Runtime.Intrinsics.Vector128.Create((uint)bits, (uint)bits ^ 0x8000, (uint)(bits + 1) & 0xFFFF, (uint)bits & 0x83FF);
        System.Runtime.Intrinsics.Vector128<float> singles = Vector128InterleavedDot<WideningBytes>.HalfToSingle(halves);
        for (int i = 0; i < 4; i++)
        {
            float expected = BlockFormats.HalfToFloat((ushort)halves[i]);
            Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(singles[i]));
        }
    }

    /// <summary>Random ggml blocks of <paramref name="dtype"/> whose f16 scales cycle through negative, subnormal, zero and normal values.</summary>
    private static NativeTensor RandomBlocks(Random random, DType dtype, int m, int k, bool widest)
    {
        var tensor = new NativeTensor(dtype, m, k);
        Span<byte> bytes = tensor.Bytes;
        random.NextBytes(bytes);
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        ushort[] scales = [0x2A00, 0xA9F0, 0x0123, 0x0000, 0x1400, 0x83FF, 0x3555];
        for (int block = 0, offset = 0; offset < bytes.Length; block++, offset += blockBytes)
        {
            Span<byte> b = bytes.Slice(offset, blockBytes);
            int scaleAt = dtype == DType.Q6_K ? 208 : 0;
            if (widest)
            {
                Span<byte> values = dtype switch
                {
                    DType.Q8_0 => b[2..],
                    DType.Q4_0 => b[2..],
                    DType.Q4_K => b[4..],
                    _ => b[..192],
                };
                if (dtype == DType.Q8_0)
                {
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = (byte)(i % 2 == 0 ? 0x80 : 0x7F); // −128 and 127
                    }
                }
                else
                {
                    values.Fill(0xFF);
                }
                if (dtype == DType.Q6_K)
                {
                    for (int s = 0; s < 16; s++)
                    {
                        b[192 + s] = (byte)((s + block) % 2 == 0 ? 0x80 : 0x7F);
                    }
                }
            }
            BitConverter.TryWriteBytes(b[scaleAt..], scales[block % scales.Length]);
            if (dtype == DType.Q4_K)
            {
                BitConverter.TryWriteBytes(b[2..], scales[(block + 3) % scales.Length]);
            }
        }
        return tensor;
    }
}
