// The error function, twice: Erf(double) is the high-accuracy reference (relative error ~1e-15),
// FastErf(float) is the cheap vectorizable approximation the CPU backend's GELU uses.
// .NET has no Math.Erf. No erfc/erfinv here: nothing in the models needs them.
namespace QwenVL.Tensors;

/// <summary>Error function implementations.</summary>
public static class SpecialFunctions
{
    /// <summary>1/√2 as a float.</summary>
    internal const float InvSqrt2 = 0.70710678118654752f;

    // Taylor coefficients of erf(x)/x in x²: cₙ = 2/√π · (−1)ⁿ / (n!·(2n+1)), rounded to float.
    internal const float Taylor0 = 1.12837917f;
    internal const float Taylor1 = -0.376126389f;
    internal const float Taylor2 = 0.112837917f;
    internal const float Taylor3 = -0.0268661706f;
    internal const float Taylor4 = 0.00522397763f;
    internal const float Taylor5 = -0.000854832702f;
    internal const float Taylor6 = 0.00012055333f;
    internal const float Taylor7 = -1.49256504e-05f;
    internal const float Taylor8 = 1.64621144e-06f;
    internal const float Taylor9 = -1.63658447e-07f;

    // F(t) = ln(erfc(x)/t) + x² with t = 1/(1 + x/2), interpolated at 40 Chebyshev nodes of
    // t ∈ [1/3, 1] (x ∈ [0, 4]) using double erfc, truncated to degree 8 (the next Chebyshev
    // coefficient is 1.8e-9) and converted to monomials in u = 3t − 2. In float arithmetic the
    // whole FastErf then stays within 1.1e-7 of erf on [0, 4]: the residual is the rounding of
    // 1 − t·exp(…) near 1, about one float ulp.
    internal const float Tail0 = -0.444140404f;
    internal const float Tail1 = 0.458451271f;
    internal const float Tail2 = -0.00121669355f;
    internal const float Tail3 = -0.0147937294f;
    internal const float Tail4 = 0.000966107007f;
    internal const float Tail5 = 0.000979109667f;
    internal const float Tail6 = -0.000217310837f;
    internal const float Tail7 = -5.36324042e-05f;
    internal const float Tail8 = 2.52980080e-05f;

    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double InvSqrtPi = 0.56418958354775629;

    /// <summary>
    /// erf(x) to about 1e-15 relative error. For |x| &lt; 2.5 it sums the series
    /// erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!, whose terms are all positive (no cancellation,
    /// at most ~40 terms); above, erf = 1 − erfc with erfc from its continued fraction, which
    /// converges in under ~40 steps there.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }
        double ax = Math.Abs(x);
        double result;
        if (ax < 2.5)
        {
            result = ErfSeries(ax);
        }
        else if (ax < 6.5)
        {
            result = 1.0 - ErfcContinuedFraction(ax);
        }
        else
        {
            // erfc(6.5) = 3.8e-20, far below half an ulp of 1.0 (1.1e-16).
            result = 1.0;
        }
        return x < 0 ? -result : result;
    }

    /// <summary>
    /// Float erf with max abs error about 1.1e-7 over all inputs (the same formula the vectorized
    /// GELU uses): a Taylor polynomial below |x| = 0.75, 1 − t·exp(F(t) − x²) above, clamped at 4.
    /// </summary>
    public static float FastErf(float x) => SimdKernels<ScalarOps, float>.Erf(x);

    private static double ErfSeries(double x)
    {
        double twoXSquared = 2.0 * x * x;
        double term = x;
        double sum = x;
        // term_{n+1} = term_n · 2x²/(2n+3); stop once a term no longer changes the sum.
        for (int n = 0; n < 200; n++)
        {
            term *= twoXSquared / (2 * n + 3);
            sum += term;
            if (term <= sum * 1e-17)
            {
                break;
            }
        }
        return TwoOverSqrtPi * Math.Exp(-x * x) * sum;
    }

    private static double ErfcContinuedFraction(double x)
    {
        // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))), evaluated with
        // the modified Lentz algorithm (front to back, so no fixed depth is needed).
        const double Tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0.0;
        for (int i = 1; i < 500; i++)
        {
            double a = i / 2.0;
            d = x + (a * d);
            d = d == 0 ? Tiny : d;
            d = 1.0 / d;
            c = x + (a / c);
            c = c == 0 ? Tiny : c;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16)
            {
                break;
            }
        }
        return Math.Exp(-x * x) * InvSqrtPi / f;
    }
}
