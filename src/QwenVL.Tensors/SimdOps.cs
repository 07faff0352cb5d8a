// One vector width per struct behind a static-abstract interface, so each kernel is written once
// (SimdKernels<TOps, TVec>) and the JIT specializes it per width with no virtual calls.
// These are the few operations the kernels need, not a general vector library.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors;

/// <summary>Vector operations on float lanes of type <typeparamref name="TVec"/>.</summary>
internal interface ISimdOps<TVec>
    where TVec : struct
{
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Broadcast(float value);

    static abstract TVec Load(ref float source, nuint offset);

    static abstract void Store(TVec value, ref float destination, nuint offset);

    static abstract TVec Add(TVec a, TVec b);

    static abstract TVec Subtract(TVec a, TVec b);

    static abstract TVec Multiply(TVec a, TVec b);

    static abstract TVec Divide(TVec a, TVec b);

    /// <summary><c>a·b + c</c>, fused on vector widths.</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    static abstract TVec Min(TVec a, TVec b);

    static abstract TVec Abs(TVec a);

    static abstract TVec Exp(TVec a);

    static abstract TVec CopySign(TVec magnitude, TVec sign);

    /// <summary>Per lane <c>a &lt; b ? ifLess : otherwise</c>.</summary>
    static abstract TVec SelectLess(TVec a, TVec b, TVec ifLess, TVec otherwise);

    static abstract float Sum(TVec a);

    /// <summary>Lanes alternate <c>source[0]</c>, <c>source[1]</c> (one 64-bit broadcast); unused at one lane.</summary>
    static abstract TVec BroadcastPair(ref float source);

    /// <summary>Lanes 2i and 2i + 1 both become <c>a[2i] + a[2i + 1]</c>.</summary>
    static abstract TVec AddAdjacent(TVec a);

    /// <summary>Round to the nearest integer, ties to even.</summary>
    static abstract TVec Round(TVec a);

    /// <summary><c>a · 2ⁿ</c> for integral n in [−126, 127] (n + 127 written into the exponent bits).</summary>
    static abstract TVec ScaleB(TVec a, TVec n);
}

/// <summary>One float per "vector": the plain scalar path.</summary>
internal readonly struct ScalarOps : ISimdOps<float>
{
    public static int Count => 1;
    public static float Zero => 0f;
    public static float Broadcast(float value) => value;
    public static float Load(ref float source, nuint offset) => Unsafe.Add(ref source, offset);
    public static void Store(float value, ref float destination, nuint offset) => Unsafe.Add(ref destination, offset) = value;
    public static float Add(float a, float b) => a + b;
    public static float Subtract(float a, float b) => a - b;
    public static float Multiply(float a, float b) => a * b;
    public static float Divide(float a, float b) => a / b;

    // Unfused on purpose: the scalar path is the "no special instructions" baseline.
    public static float MultiplyAdd(float a, float b, float c) => (a * b) + c;
    public static float Min(float a, float b) => MathF.Min(a, b);
    public static float Abs(float a) => MathF.Abs(a);
    public static float Exp(float a) => MathF.Exp(a);
    public static float CopySign(float magnitude, float sign) => MathF.CopySign(magnitude, sign);
    public static float SelectLess(float a, float b, float ifLess, float otherwise) => a < b ? ifLess : otherwise;
    public static float Sum(float a) => a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BroadcastPair(ref float source) => source;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AddAdjacent(float a) => a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Round(float a) => MathF.Round(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ScaleB(float a, float n) => MathF.ScaleB(a, (int)n);
}

/// <summary>128-bit vectors (SSE, NEON).</summary>
internal readonly struct V128Ops : ISimdOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);
    public static void Store(Vector128<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.Min(a, b);
    public static Vector128<float> Abs(Vector128<float> a) => Vector128.Abs(a);
    public static Vector128<float> Exp(Vector128<float> a) => Vector128.Exp(a);
    public static Vector128<float> CopySign(Vector128<float> magnitude, Vector128<float> sign) => Vector128.CopySign(magnitude, sign);
    public static Vector128<float> SelectLess(Vector128<float> a, Vector128<float> b, Vector128<float> ifLess, Vector128<float> otherwise) =>
        Vector128.ConditionalSelect(Vector128.LessThan(a, b), ifLess, otherwise);
    public static float Sum(Vector128<float> a) => Vector128.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> BroadcastPair(ref float source) =>
        Vector128.Create(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref source))).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> AddAdjacent(Vector128<float> a) => a + Vector128.Shuffle(a, Vector128.Create(1, 0, 3, 2));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Round(Vector128<float> a) => Vector128.Round(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ScaleB(Vector128<float> a, Vector128<float> n) =>
        a * Vector128.ShiftLeft(Vector128.ConvertToInt32(n) + Vector128.Create(127), 23).AsSingle();
}

/// <summary>256-bit vectors (AVX2).</summary>
internal readonly struct V256Ops : ISimdOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);
    public static void Store(Vector256<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);
    public static Vector256<float> Abs(Vector256<float> a) => Vector256.Abs(a);
    public static Vector256<float> Exp(Vector256<float> a) => Vector256.Exp(a);
    public static Vector256<float> CopySign(Vector256<float> magnitude, Vector256<float> sign) => Vector256.CopySign(magnitude, sign);
    public static Vector256<float> SelectLess(Vector256<float> a, Vector256<float> b, Vector256<float> ifLess, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.LessThan(a, b), ifLess, otherwise);
    public static float Sum(Vector256<float> a) => Vector256.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> BroadcastPair(ref float source) =>
        Vector256.Create(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref source))).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> AddAdjacent(Vector256<float> a) => a + Vector256.Shuffle(a, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Round(Vector256<float> a) => Vector256.Round(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaleB(Vector256<float> a, Vector256<float> n) =>
        a * Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
}

/// <summary>512-bit vectors (AVX-512).</summary>
internal readonly struct V512Ops : ISimdOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);
    public static void Store(Vector512<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
    public static Vector512<float> Abs(Vector512<float> a) => Vector512.Abs(a);
    public static Vector512<float> Exp(Vector512<float> a) => Vector512.Exp(a);
    public static Vector512<float> CopySign(Vector512<float> magnitude, Vector512<float> sign) => Vector512.CopySign(magnitude, sign);
    public static Vector512<float> SelectLess(Vector512<float> a, Vector512<float> b, Vector512<float> ifLess, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.LessThan(a, b), ifLess, otherwise);
    public static float Sum(Vector512<float> a) => Vector512.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> BroadcastPair(ref float source) =>
        Vector512.Create(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref source))).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> AddAdjacent(Vector512<float> a) => a + Vector512.Shuffle(a, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Round(Vector512<float> a) => Vector512.Round(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ScaleB(Vector512<float> a, Vector512<float> n) =>
        a * Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
}
