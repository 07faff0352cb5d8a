// Tests of the error function: the double reference against tabulated values of erf, and the
// float approximation against the reference over a dense grid (the GELU accuracy contract).
// Known values are erf at the given points to 16 significant digits (A&S table 7.1 / DLMF 7).
using QwenVL.Tensors;

namespace QwenVL.Tensors.Tests;

public class SpecialFunctionsTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1e-10, 1.1283791670955126e-10)]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(1.5, 0.9661051464753108)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.5, 0.9995930479825550)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(4.0, 0.9999999845827421)]
    [InlineData(5.0, 0.9999999999984626)]
    [InlineData(10.0, 1.0)]
    public void Erf_KnownValues_MatchTo1e12(double x, double expected)
    {
        Assert.InRange(SpecialFunctions.Erf(x), expected - 1e-12, expected + 1e-12);
        Assert.InRange(SpecialFunctions.Erf(-x), -expected - 1e-12, -expected + 1e-12);
    }

    [Fact]
    public void Erf_SpecialInputs_AreHandled()
    {
        Assert.True(double.IsNaN(SpecialFunctions.Erf(double.NaN)));
        Assert.Equal(1.0, SpecialFunctions.Erf(double.PositiveInfinity));
        Assert.Equal(-1.0, SpecialFunctions.Erf(double.NegativeInfinity));
    }

    [Fact]
    public void Erf_AroundTheMethodSwitch_IsContinuous()
    {
        // The series stops and the continued fraction starts at 2.5: both sides must agree.
        double below = SpecialFunctions.Erf(Math.BitDecrement(2.5));
        double at = SpecialFunctions.Erf(2.5);
        Assert.InRange(Math.Abs(at - below), 0.0, 1e-15);
    }

    [Fact]
    public void FastErf_DenseGrid_MaxAbsErrorBelow1e6()
    {
        double worst = 0;
        float worstAt = 0;
        for (int i = -600_000; i <= 600_000; i++)
        {
            float x = i * 1e-5f;
            double error = Math.Abs(SpecialFunctions.FastErf(x) - SpecialFunctions.Erf(x));
            if (error > worst)
            {
                worst = error;
                worstAt = x;
            }
        }
        Assert.True(worst < 1e-6, $"max |FastErf − erf| = {worst:E3} at x = {worstAt:R}");
    }

    [Fact]
    public void FastErf_LargeAndSpecialInputs_Saturate()
    {
        Assert.Equal(1f, SpecialFunctions.FastErf(1e30f));
        Assert.Equal(-1f, SpecialFunctions.FastErf(float.NegativeInfinity));
        Assert.Equal(0f, SpecialFunctions.FastErf(0f));
    }
}
