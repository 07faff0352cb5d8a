// Pins FastExp (the softmax exp) to MathF.Exp at every vector width, the scalar form included:
// relative error over the float range softmax uses, exact 1 at 0, and 0 for −∞ and far below
// float's range. Also ExpShiftedSum's in-place results and returned sum, tails included.
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors.Tests;

public unsafe class FastExpTests
{
    // Measured worst over every width: 7.7e-8 relative (under 1 ulp). 1.5e-7 leaves room for
    // another CPU's FMA-less scalar rounding and is 40× tighter than the ~6e-6 a polynomial one
    // degree shorter reaches, so a dropped or mistyped term fails.
    private const double Tolerance = 1.5e-7;

    [Fact]
    public void Exp_EveryWidth_MatchesMathExpWithinAboutOneUlp()
    {
        var inputs = new List<float>();
        for (float x = -87.3f; x <= 88f; x += 0.01371f)
        {
            inputs.Add(x);
        }
        inputs.AddRange([0f, -0f, 1e-8f, -1e-8f, 0.34657359f, -0.34657359f, 88f, -87.33f]);
        double worst = Math.Max(Math.Max(Worst<ScalarOps, float>(inputs), Worst<V128Ops, Vector128<float>>(inputs)),
            Math.Max(Worst<V256Ops, Vector256<float>>(inputs), Worst<V512Ops, Vector512<float>>(inputs)));
        Assert.True(worst <= Tolerance, $"worst relative error {worst:E3} > {Tolerance:E1}");
    }

    [Fact]
    public void Exp_ZeroAndUnderflow_AreExact()
    {
        foreach (float x in new[] { 0f, float.NegativeInfinity, -1000f, -104.5f })
        {
            float expected = x == 0f ? 1f : 0f;
            Assert.Equal(expected, FastExp.Exp<ScalarOps, float>(x));
            Assert.Equal(expected, FastExp.Exp<V128Ops, Vector128<float>>(Vector128.Create(x)).GetElement(1));
            Assert.Equal(expected, FastExp.Exp<V256Ops, Vector256<float>>(Vector256.Create(x)).GetElement(5));
            Assert.Equal(expected, FastExp.Exp<V512Ops, Vector512<float>>(Vector512.Create(x)).GetElement(13));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(300)]
    public void ExpShiftedSum_WritesExpAndReturnsTheirSum(int count)
    {
        var random = new Random(TestData.Seed + count);
        float[] values = TestData.Uniform(random, count, -30f, 5f);
        values[count / 2] = float.NegativeInfinity; // a masked score
        float shift = 3.5f;
        float[] actual = (float[])values.Clone();
        float sum;
        fixed (float* p = actual)
        {
            sum = FastExp.ExpShiftedSum<V512Ops, Vector512<float>>(p, count, shift);
        }
        double expectedSum = 0;
        for (int i = 0; i < count; i++)
        {
            double expected = Math.Exp(values[i] - shift);
            expectedSum += expected;
            Assert.True(Math.Abs(actual[i] - expected) <= Tolerance * expected + 1e-38, $"x[{i}] = {actual[i]:R}, exp = {expected:R}");
        }
        Assert.True(Math.Abs(sum - expectedSum) <= 1e-6 * expectedSum, $"sum {sum:R}, expected {expectedSum:R}");
    }

    private static double Worst<TOps, TVec>(List<float> inputs)
        where TOps : struct, ISimdOps<TVec>
        where TVec : struct
    {
        int lanes = TOps.Count;
        var lane = new float[lanes];
        double worst = 0;
        foreach (float x in inputs)
        {
            TVec result = FastExp.Exp<TOps, TVec>(TOps.Broadcast(x));
            TOps.Store(result, ref lane[0], 0);
            double expected = Math.Exp(x);
            for (int i = 0; i < lanes; i++)
            {
                worst = Math.Max(worst, Math.Abs(lane[i] - expected) / expected);
            }
        }
        return worst;
    }
}
