// exp for softmax, written once over ISimdOps: Cody–Waite reduction x = n·ln2 + r (|r| ≤ ln2/2),
// Cephes' degree-5 polynomial for eʳ, then 2ⁿ from exponent bits. Within 1.5e-7 relative of exp
// on [−87.3, 88] (FastExpTests); below −87.33 it returns 0 (the AVX-512 form: the subnormal), and
// above 88 it saturates at e⁸⁸. .NET's Vector512.Exp widens to double: it took longer than all the
// AMX arithmetic of a 4784-patch attention. Not for NaN inputs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors;

/// <summary>Vectorized exp for arguments of softmax (max-shifted scores).</summary>
internal static class FastExp
{
    private const float Lowest = -87.33654f, Highest = 88f;
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;

    /// <summary>eˣ per lane (see the file header for range and accuracy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Exp<TOps, TVec>(TVec x)
        where TOps : struct, ISimdOps<TVec>
        where TVec : struct
    {
        if (typeof(TVec) == typeof(Vector512<float>) && Avx512F.IsSupported)
        {
            Vector512<float> y = Exp512(Unsafe.As<TVec, Vector512<float>>(ref x));
            return Unsafe.As<Vector512<float>, TVec>(ref y);
        }
        TVec low = TOps.Broadcast(Lowest);
        TVec xc = TOps.SelectLess(x, low, low, TOps.Min(x, TOps.Broadcast(Highest)));
        TVec n = TOps.Round(TOps.Multiply(xc, TOps.Broadcast(Log2E)));
        TVec r = TOps.MultiplyAdd(n, TOps.Broadcast(-Ln2High), xc);
        r = TOps.MultiplyAdd(n, TOps.Broadcast(-Ln2Low), r);
        TVec p = TOps.Broadcast(1.9875691500e-4f);
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(1.3981999507e-3f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(8.3334519073e-3f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(4.1665795894e-2f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(1.6666665459e-1f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(5.0000001201e-1f));
        // eʳ ≈ 1 + r + r²·p(r)
        TVec e = TOps.Add(TOps.MultiplyAdd(TOps.Multiply(p, r), r, r), TOps.Broadcast(1f));
        return TOps.SelectLess(x, low, TOps.Zero, TOps.ScaleB(e, n));
    }

    /// <summary>
    /// The same polynomial with AVX-512's own instructions: plain vminps/vmaxps clamps (no NaN
    /// fix-ups) and vscalefps for 2ⁿ, which also underflows gradually, so only −∞ needs the −110
    /// clamp (e⁻¹¹⁰ is far below float's smallest subnormal). About 16 instructions per 16 lanes where
    /// the portable form compiles to about 30.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp512(Vector512<float> x)
    {
        Vector512<float> xc = Avx512F.Min(Avx512F.Max(x, Vector512.Create(-110f)), Vector512.Create(Highest));
        Vector512<float> n = Avx512F.RoundScale(xc * Vector512.Create(Log2E), 0);
        Vector512<float> r = Avx512F.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), xc);
        r = Avx512F.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        Vector512<float> p = Avx512F.FusedMultiplyAdd(Vector512.Create(1.9875691500e-4f), r, Vector512.Create(1.3981999507e-3f));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        Vector512<float> e = Avx512F.FusedMultiplyAdd(p * r, r, r) + Vector512.Create(1f);
        return Avx512F.Scale(e, n);
    }

    /// <summary>
    /// In place <c>x[i] = exp(x[i] − shift)</c> for i &lt; <paramref name="count"/>; returns Σ of
    /// the results (accumulated per lane, then summed).
    /// </summary>
    public static unsafe float ExpShiftedSum<TOps, TVec>(float* x, int count, float shift)
        where TOps : struct, ISimdOps<TVec>
        where TVec : struct
    {
        int lanes = TOps.Count, i = 0;
        TVec s = TOps.Broadcast(shift), total = TOps.Zero;
        for (; i + lanes <= count; i += lanes)
        {
            TVec p = Exp<TOps, TVec>(TOps.Subtract(TOps.Load(ref x[i], 0), s));
            TOps.Store(p, ref x[i], 0);
            total = TOps.Add(total, p);
        }
        float sum = TOps.Sum(total);
        for (; i < count; i++)
        {
            x[i] = Exp<ScalarOps, float>(x[i] - shift);
            sum += x[i];
        }
        return sum;
    }
}
