// The CPU backend's inner loops, written once over ISimdOps and specialized by the JIT per vector
// width (Scalar, 128, 256, 512 bits). Each loop runs whole vectors, then a scalar tail.
// These work on raw refs with explicit lengths: the callers have already validated bounds.
using System.Runtime.CompilerServices;

namespace QwenVL.Tensors;

/// <summary>Vector kernels for one width.</summary>
internal static class SimdKernels<TOps, TVec>
    where TOps : struct, ISimdOps<TVec>
    where TVec : struct
{
    /// <summary>Σ a[i]·b[i] with float32 accumulation.</summary>
    public static float Dot(ref float a, ref float b, int length)
    {
        int width = TOps.Count;
        TVec acc = TOps.Zero;
        int i = 0;
        for (; i <= length - width; i += width)
        {
            acc = TOps.MultiplyAdd(TOps.Load(ref a, (nuint)i), TOps.Load(ref b, (nuint)i), acc);
        }
        float sum = TOps.Sum(acc);
        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }
        return sum;
    }

    /// <summary>
    /// Four dot products of rows <paramref name="x0"/>..<paramref name="x3"/> with one weight row:
    /// each weight vector is loaded once and used four times (the matmul's register blocking).
    /// </summary>
    public static void Dot4(ref float x0, ref float x1, ref float x2, ref float x3, ref float w, int length,
        out float d0, out float d1, out float d2, out float d3)
    {
        int width = TOps.Count;
        TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
        int i = 0;
        for (; i <= length - width; i += width)
        {
            TVec wv = TOps.Load(ref w, (nuint)i);
            a0 = TOps.MultiplyAdd(TOps.Load(ref x0, (nuint)i), wv, a0);
            a1 = TOps.MultiplyAdd(TOps.Load(ref x1, (nuint)i), wv, a1);
            a2 = TOps.MultiplyAdd(TOps.Load(ref x2, (nuint)i), wv, a2);
            a3 = TOps.MultiplyAdd(TOps.Load(ref x3, (nuint)i), wv, a3);
        }
        d0 = TOps.Sum(a0);
        d1 = TOps.Sum(a1);
        d2 = TOps.Sum(a2);
        d3 = TOps.Sum(a3);
        for (; i < length; i++)
        {
            float wi = Unsafe.Add(ref w, i);
            d0 += Unsafe.Add(ref x0, i) * wi;
            d1 += Unsafe.Add(ref x1, i) * wi;
            d2 += Unsafe.Add(ref x2, i) * wi;
            d3 += Unsafe.Add(ref x3, i) * wi;
        }
    }

    /// <summary><c>x[i] *= s</c>.</summary>
    public static void Scale(ref float x, float s, int length)
    {
        int width = TOps.Count;
        TVec sv = TOps.Broadcast(s);
        int i = 0;
        for (; i <= length - width; i += width)
        {
            TOps.Store(TOps.Multiply(TOps.Load(ref x, (nuint)i), sv), ref x, (nuint)i);
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref x, i) *= s;
        }
    }

    /// <summary><c>acc[i] += s·v[i]</c>.</summary>
    public static void AddScaled(ref float acc, float s, ref float v, int length)
    {
        int width = TOps.Count;
        TVec sv = TOps.Broadcast(s);
        int i = 0;
        for (; i <= length - width; i += width)
        {
            TOps.Store(TOps.MultiplyAdd(TOps.Load(ref v, (nuint)i), sv, TOps.Load(ref acc, (nuint)i)), ref acc, (nuint)i);
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref acc, i) += s * Unsafe.Add(ref v, i);
        }
    }

    /// <summary>
    /// NeoX rotation of one head of 2·<paramref name="half"/> floats: with a = x[:half], b = x[half:],
    /// a' = a·cos[:half] − b·sin[:half] and b' = b·cos[half:] + a·sin[half:].
    /// </summary>
    public static void RotateHalf(ref float x, ref float cos, ref float sin, int half)
    {
        int width = TOps.Count;
        ref float xb = ref Unsafe.Add(ref x, half);
        ref float cosB = ref Unsafe.Add(ref cos, half);
        ref float sinB = ref Unsafe.Add(ref sin, half);
        int i = 0;
        for (; i <= half - width; i += width)
        {
            TVec a = TOps.Load(ref x, (nuint)i);
            TVec b = TOps.Load(ref xb, (nuint)i);
            TVec newA = TOps.Subtract(TOps.Multiply(a, TOps.Load(ref cos, (nuint)i)), TOps.Multiply(b, TOps.Load(ref sin, (nuint)i)));
            TVec newB = TOps.MultiplyAdd(a, TOps.Load(ref sinB, (nuint)i), TOps.Multiply(b, TOps.Load(ref cosB, (nuint)i)));
            TOps.Store(newA, ref x, (nuint)i);
            TOps.Store(newB, ref xb, (nuint)i);
        }
        for (; i < half; i++)
        {
            float a = Unsafe.Add(ref x, i);
            float b = Unsafe.Add(ref xb, i);
            Unsafe.Add(ref x, i) = (a * Unsafe.Add(ref cos, i)) - (b * Unsafe.Add(ref sin, i));
            Unsafe.Add(ref xb, i) = (b * Unsafe.Add(ref cosB, i)) + (a * Unsafe.Add(ref sinB, i));
        }
    }

    /// <summary>
    /// y = gate·σ(gate)·up (SwiGLU's SiLU gate) with σ(z) = 1/(1 + e^(−z)) on FastExp (within 1.5e-7
    /// of exp). TensorPrimitives.Sigmoid widens to double: 2 ns an element, 22 µs for one 3B layer's
    /// 11008 in decode. y may alias gate.
    /// </summary>
    public static void SwiGlu(ref float gate, ref float up, ref float y, int length)
    {
        int width = TOps.Count;
        int i = 0;
        for (; i <= length - width; i += width)
        {
            TVec g = TOps.Load(ref gate, (nuint)i);
            TOps.Store(SigmoidTimes(g, TOps.Multiply(g, TOps.Load(ref up, (nuint)i))), ref y, (nuint)i);
        }
        for (; i < length; i++)
        {
            float g = Unsafe.Add(ref gate, i);
            Unsafe.Add(ref y, i) = SimdKernels<ScalarOps, float>.SigmoidTimes(g, g * Unsafe.Add(ref up, i));
        }
    }

    /// <summary>x·σ(1.702·x) in place (CLIP's quick GELU), on FastExp like <see cref="SwiGlu"/>.</summary>
    public static void QuickGelu(ref float x, int length)
    {
        int width = TOps.Count;
        TVec k = TOps.Broadcast(1.702f);
        int i = 0;
        for (; i <= length - width; i += width)
        {
            TVec v = TOps.Load(ref x, (nuint)i);
            TOps.Store(SigmoidTimes(TOps.Multiply(v, k), v), ref x, (nuint)i);
        }
        for (; i < length; i++)
        {
            float v = Unsafe.Add(ref x, i);
            Unsafe.Add(ref x, i) = SimdKernels<ScalarOps, float>.SigmoidTimes(v * 1.702f, v);
        }
    }

    /// <summary>
    /// v·σ(z) = v / (1 + e^(−z)). FastExp returns 0 below −87.33 (σ = 1) and saturates at e⁸⁸ above 88
    /// (σ ≈ 6e-39, where the true value is smaller still and v·σ is 0 to float precision anyway).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec SigmoidTimes(TVec z, TVec v) =>
        TOps.Divide(v, TOps.Add(TOps.Broadcast(1f), FastExp.Exp<TOps, TVec>(TOps.Subtract(TOps.Zero, z))));

    /// <summary>In place exact GELU <c>0.5·x·(1 + erf(x/√2))</c>.</summary>
    public static void GeluErf(ref float x, int length)
    {
        int width = TOps.Count;
        TVec half = TOps.Broadcast(0.5f);
        TVec one = TOps.Broadcast(1f);
        TVec invSqrt2 = TOps.Broadcast(SpecialFunctions.InvSqrt2);
        int i = 0;
        for (; i <= length - width; i += width)
        {
            TVec v = TOps.Load(ref x, (nuint)i);
            TVec erf = Erf(TOps.Multiply(v, invSqrt2));
            TOps.Store(TOps.Multiply(TOps.Multiply(half, v), TOps.Add(one, erf)), ref x, (nuint)i);
        }
        for (; i < length; i++)
        {
            float v = Unsafe.Add(ref x, i);
            Unsafe.Add(ref x, i) = 0.5f * v * (1f + SimdKernels<ScalarOps, float>.Erf(v * SpecialFunctions.InvSqrt2));
        }
    }

    /// <summary>
    /// erf per lane, max abs error about 1.1e-7 (see <see cref="SpecialFunctions.FastErf"/> for the
    /// derivation). Both branches are computed and blended, so there is no per-lane branching.
    /// </summary>
    public static TVec Erf(TVec x)
    {
        // erf(4) = 1 − 1.5e-8 rounds to 1f, so clamping there loses nothing and keeps exp() tame.
        TVec ax = TOps.Min(TOps.Abs(x), TOps.Broadcast(4f));
        TVec s = TOps.Multiply(ax, ax);

        // |x| < 0.75: Taylor series erf(x) = x·Σ cₙ·x²ⁿ, truncated after x¹⁹ (next term < 1e-9).
        TVec p = TOps.Broadcast(SpecialFunctions.Taylor9);
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(SpecialFunctions.Taylor8));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(SpecialFunctions.Taylor7));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(SpecialFunctions.Taylor6));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(SpecialFunctions.Taylor5));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(SpecialFunctions.Taylor4));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(SpecialFunctions.Taylor3));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(SpecialFunctions.Taylor2));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(SpecialFunctions.Taylor1));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(SpecialFunctions.Taylor0));
        TVec small = TOps.Multiply(ax, p);

        // |x| ≥ 0.75: erf = 1 − t·exp(F(t) − x²) with t = 1/(1 + x/2) and F a fitted polynomial
        // in u = 3t − 2 ∈ [−1, 1] (t ∈ [1/3, 1] for x ∈ [0, 4]).
        TVec one = TOps.Broadcast(1f);
        TVec t = TOps.Divide(one, TOps.MultiplyAdd(ax, TOps.Broadcast(0.5f), one));
        TVec u = TOps.MultiplyAdd(t, TOps.Broadcast(3f), TOps.Broadcast(-2f));
        TVec f = TOps.Broadcast(SpecialFunctions.Tail8);
        f = TOps.MultiplyAdd(f, u, TOps.Broadcast(SpecialFunctions.Tail7));
        f = TOps.MultiplyAdd(f, u, TOps.Broadcast(SpecialFunctions.Tail6));
        f = TOps.MultiplyAdd(f, u, TOps.Broadcast(SpecialFunctions.Tail5));
        f = TOps.MultiplyAdd(f, u, TOps.Broadcast(SpecialFunctions.Tail4));
        f = TOps.MultiplyAdd(f, u, TOps.Broadcast(SpecialFunctions.Tail3));
        f = TOps.MultiplyAdd(f, u, TOps.Broadcast(SpecialFunctions.Tail2));
        f = TOps.MultiplyAdd(f, u, TOps.Broadcast(SpecialFunctions.Tail1));
        f = TOps.MultiplyAdd(f, u, TOps.Broadcast(SpecialFunctions.Tail0));
        TVec large = TOps.Subtract(one, TOps.Multiply(t, TOps.Exp(TOps.Subtract(f, s))));

        TVec magnitude = TOps.SelectLess(ax, TOps.Broadcast(0.75f), small, large);
        return TOps.CopySign(magnitude, x);
    }
}
