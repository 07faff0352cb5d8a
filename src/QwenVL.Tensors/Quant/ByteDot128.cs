// The two ways the 128-bit interleaved kernels (InterleavedDot128.cs) take each int32 lane's 4-byte
// dot product: ARM's sdot where the CPU has dotprod, else int16 products summed through int64 lanes,
// which any Vector128 machine runs. Both are exact; nothing else here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace QwenVL.Tensors.Quant;

/// <summary>One way to take the dot product of each int32 lane's 4 signed bytes.</summary>
internal interface IByteDot128
{
    /// <summary>acc[i] + Σ_b w[4i+b]·x[4i+b] for the 4 int32 lanes.</summary>
    static abstract Vector128<int> Dot(Vector128<int> acc, Vector128<sbyte> w, Vector128<sbyte> x);
}

/// <summary>ARM's sdot: 16 multiply-adds in one instruction.</summary>
internal readonly struct ArmDotBytes : IByteDot128
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Dot(Vector128<int> acc, Vector128<sbyte> w, Vector128<sbyte> x) => Dp.DotProduct(acc, w, x);
}

/// <summary>Any Vector128 machine: int16 products, then the 4 of a lane summed through int64 lanes.</summary>
internal readonly struct WideningBytes : IByteDot128
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Dot(Vector128<int> acc, Vector128<sbyte> w, Vector128<sbyte> x)
    {
        (Vector128<short> wl, Vector128<short> wh) = Vector128.Widen(w);
        (Vector128<short> xl, Vector128<short> xh) = Vector128.Widen(x);
        // |w·x| ≤ 128·128 = 16384 fits int16; each int32 then holds two products.
        return acc + Vector128.Narrow(Quads(wl * xl), Quads(wh * xh));
    }

    /// <summary>Each int64 lane's 4 int16 values summed, in its low 32 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<long> Quads(Vector128<short> products)
    {
        Vector128<int> p = products.AsInt32();
        Vector128<int> pairs = Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(p, 16), 16) + Vector128.ShiftRightArithmetic(p, 16);
        // (a + b·2^32) + a·2^32: the high half holds a + b; shifted down, Narrow keeps it.
        Vector128<long> l = pairs.AsInt64();
        return Vector128.ShiftRightLogical(l + Vector128.ShiftLeft(l, 32), 32);
    }
}
