// Bit-exact tests of the dtype conversions: the BF16 rounding table (ties, NaN, inf, subnormals),
// the vectorized BF16 widening against the scalar definition, and F16 special values.
// Expected bit patterns are worked out by hand from IEEE 754 round-to-nearest-even.
using System.Runtime.InteropServices;
using QwenVL.Tensors;

namespace QwenVL.Tensors.Tests;

public class NumericsTests
{
    [Theory]
    [InlineData(0x3F80_0000u, 0x3F80)] // 1.0: exact
    [InlineData(0x3F80_7FFFu, 0x3F80)] // just below the halfway point: down
    [InlineData(0x3F80_8000u, 0x3F80)] // tie, kept half even (0x3F80): stays
    [InlineData(0x3F81_8000u, 0x3F82)] // tie, kept half odd (0x3F81): up to even
    [InlineData(0x3F80_8001u, 0x3F81)] // just above the halfway point: up
    [InlineData(0xBF81_8000u, 0xBF82)] // negative tie rounds the magnitude the same way
    [InlineData(0x0000_0000u, 0x0000)] // +0
    [InlineData(0x8000_0000u, 0x8000)] // −0 keeps its sign
    [InlineData(0x0001_0000u, 0x0001)] // smallest bf16 subnormal: exact
    [InlineData(0x0000_8000u, 0x0000)] // subnormal tie to even zero
    [InlineData(0x0001_8000u, 0x0002)] // subnormal tie, odd: up
    [InlineData(0x8000_8001u, 0x8001)] // negative subnormal above the tie: up in magnitude
    [InlineData(0x007F_FFFFu, 0x0080)] // largest f32 subnormal carries into the smallest normal
    [InlineData(0x7F7F_7FFFu, 0x7F7F)] // near the top, below the tie: stays finite
    [InlineData(0x7F7F_8000u, 0x7F80)] // tie with odd kept half: carries into +inf
    [InlineData(0x7F7F_FFFFu, 0x7F80)] // float.MaxValue rounds to +inf
    [InlineData(0x7F80_0000u, 0x7F80)] // +inf
    [InlineData(0xFF80_0000u, 0xFF80)] // −inf
    [InlineData(0x7FC0_0000u, 0x7FC0)] // quiet NaN
    [InlineData(0xFFC0_0000u, 0xFFC0)] // negative quiet NaN keeps its sign
    [InlineData(0x7F80_0001u, 0x7FC0)] // NaN whose payload is only in the dropped bits: still NaN, not inf
    [InlineData(0x7FFF_FFFFu, 0x7FFF)] // all-ones NaN must not carry into the sign bit
    public void FloatToBF16_BitPattern_RoundsToNearestEven(uint input, int expected)
    {
        float value = BitConverter.UInt32BitsToSingle(input);
        Assert.Equal((ushort)expected, Numerics.FloatToBF16(value));

        var bytes = new byte[2];
        Numerics.FromFloat([value], DType.BF16, bytes);
        Assert.Equal((ushort)expected, BitConverter.ToUInt16(bytes));
    }

    [Fact]
    public void BF16ToFloat_BitPattern_IsUpperHalfOfBinary32()
    {
        Assert.Equal(1f, Numerics.BF16ToFloat(0x3F80));
        Assert.Equal(-2f, Numerics.BF16ToFloat(0xC000));
        Assert.Equal(float.PositiveInfinity, Numerics.BF16ToFloat(0x7F80));
        Assert.True(float.IsNaN(Numerics.BF16ToFloat(0x7FC1)));
        Assert.Equal(0x0001_0000u, BitConverter.SingleToUInt32Bits(Numerics.BF16ToFloat(0x0001)));
    }

    [Fact]
    public void ToFloat_BF16AllLengths_MatchesScalarWidening()
    {
        var random = new Random(TestData.Seed);
        for (int length = 0; length <= 70; length++)
        {
            var bits = new ushort[length];
            for (int i = 0; i < length; i++)
            {
                bits[i] = (ushort)random.Next(0, 0x10000); // every pattern: NaNs, infs, subnormals included
            }
            var actual = new float[length + 1];
            actual[length] = 12345f;
            Numerics.ToFloat(MemoryMarshal.AsBytes(bits.AsSpan()), DType.BF16, actual);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal((uint)bits[i] << 16, BitConverter.SingleToUInt32Bits(actual[i]));
            }
            Assert.Equal(12345f, actual[length]); // nothing written past the element count
        }
    }

    [Fact]
    public void FromFloatThenToFloat_BF16_RoundTripsBF16Values()
    {
        var random = new Random(TestData.Seed);
        float[] values = TestData.Uniform(random, 67, -100f, 100f);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Numerics.BF16ToFloat(Numerics.FloatToBF16(values[i]));
        }
        var bytes = new byte[values.Length * 2];
        Numerics.FromFloat(values, DType.BF16, bytes);
        var back = new float[values.Length];
        Numerics.ToFloat(bytes, DType.BF16, back);
        Assert.Equal(values, back);
    }

    [Theory]
    [InlineData((ushort)0x3C00, 1.0f)]
    [InlineData((ushort)0xC000, -2.0f)]
    [InlineData((ushort)0x7BFF, 65504f)]
    [InlineData((ushort)0x0001, 5.9604644775390625e-8f)] // smallest subnormal 2^-24
    [InlineData((ushort)0x03FF, 6.0975551605224609e-5f)] // largest subnormal 1023·2^-24
    [InlineData((ushort)0x7C00, float.PositiveInfinity)]
    [InlineData((ushort)0xFC00, float.NegativeInfinity)]
    public void ToFloat_F16SpecialValues_AreExact(ushort bits, float expected)
    {
        var result = new float[1];
        Numerics.ToFloat(BitConverter.GetBytes(bits), DType.F16, result);
        Assert.Equal(expected, result[0]);
    }

    [Fact]
    public void ToFloat_F16NaN_StaysNaN()
    {
        var result = new float[1];
        Numerics.ToFloat(BitConverter.GetBytes((ushort)0x7E00), DType.F16, result);
        Assert.True(float.IsNaN(result[0]));
    }

    [Theory]
    [InlineData(1.0f, (ushort)0x3C00)]
    [InlineData(1.00048828125f, (ushort)0x3C00)] // 1 + 2^-11: tie, even stays
    [InlineData(1.00146484375f, (ushort)0x3C02)] // 1 + 3·2^-11: tie, odd rounds up
    [InlineData(65519f, (ushort)0x7BFF)] // below the overflow tie: 65504
    [InlineData(65520f, (ushort)0x7C00)] // the overflow tie rounds to inf
    [InlineData(2.98023223876953125e-8f, (ushort)0x0000)] // 2^-25: tie between 0 and 2^-24, even is 0
    [InlineData(8.94069671630859375e-8f, (ushort)0x0002)] // 3·2^-25: tie between 1 and 2 subnormal ulps, up
    public void FromFloat_F16_RoundsToNearestEven(float value, ushort expected)
    {
        var bytes = new byte[2];
        Numerics.FromFloat([value], DType.F16, bytes);
        Assert.Equal(expected, BitConverter.ToUInt16(bytes));
    }

    [Fact]
    public void ToFloat_F32_CopiesBytes()
    {
        float[] values = [1.5f, -0f, float.NaN, 3e-40f];
        var result = new float[4];
        Numerics.ToFloat(MemoryMarshal.AsBytes(values.AsSpan()), DType.F32, result);
        Assert.Equal(
            values.Select(BitConverter.SingleToUInt32Bits),
            result.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void ToFloat_DestinationTooShort_ThrowsNamingDestination()
    {
        var error = Assert.Throws<ArgumentException>(() => Numerics.ToFloat(new byte[8], DType.BF16, new float[3]));
        Assert.Equal("destination", error.ParamName);
    }

    [Fact]
    public void ToFloat_OddByteCount_Throws()
    {
        Assert.Throws<ArgumentException>(() => Numerics.ToFloat(new byte[3], DType.F16, new float[2]));
    }
}
