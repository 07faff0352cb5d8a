// Decode-shaped matmul kernels over BF16 weights (a few x-rows): 4 weight rows are streamed at once
// and each 32-bit pair of BF16 values is widened in registers with one shift (the even value) and
// one mask (the odd value), then multiplied against x pre-split into even and odd lanes. So a
// weight byte is read once from memory and never written back as a float (the widening path wrote
// and re-read every row: 5.6 GB/s per thread against ~11-18 GB/s that one thread can stream here).
// Exact float32 products and sums; only the summation order differs from the scalar reference.
// Not for F16/F32 weights nor for many x-rows (the packed GEMM handles n >= 6).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Decode;

/// <summary>One vector width's operations for the BF16 matrix-vector kernels.</summary>
internal unsafe interface IBf16Lanes<TVec>
    where TVec : struct
{
    /// <summary>Float lanes; one vector load covers 2·Count BF16 values.</summary>
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Load(float* p);

    /// <summary>Loads 2·Count BF16 values: lane i gets p[2i] in <paramref name="even"/> and p[2i+1] in <paramref name="odd"/>.</summary>
    static abstract void Widen(ushort* p, out TVec even, out TVec odd);

    static abstract TVec Fma(TVec a, TVec b, TVec c);

    static abstract TVec Add(TVec a, TVec b);

    static abstract float Sum(TVec v);
}

internal readonly unsafe struct Bf16Lanes512 : IBf16Lanes<Vector512<float>>
{
    public static int Count => 16;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> Load(float* p) => Vector512.Load(p);

    public static void Widen(ushort* p, out Vector512<float> even, out Vector512<float> odd)
    {
        Vector512<uint> v = Vector512.Load((uint*)p);
        even = Vector512.ShiftLeft(v, 16).AsSingle();
        odd = (v & Vector512.Create(0xFFFF0000u)).AsSingle();
    }

    public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static float Sum(Vector512<float> v) => Vector512.Sum(v);
}

internal readonly unsafe struct Bf16Lanes256 : IBf16Lanes<Vector256<float>>
{
    public static int Count => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> Load(float* p) => Vector256.Load(p);

    public static void Widen(ushort* p, out Vector256<float> even, out Vector256<float> odd)
    {
        Vector256<uint> v = Vector256.Load((uint*)p);
        even = Vector256.ShiftLeft(v, 16).AsSingle();
        odd = (v & Vector256.Create(0xFFFF0000u)).AsSingle();
    }

    public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    public static float Sum(Vector256<float> v) => Vector256.Sum(v);
}

internal readonly unsafe struct Bf16Lanes128 : IBf16Lanes<Vector128<float>>
{
    public static int Count => 4;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    public static Vector128<float> Load(float* p) => Vector128.Load(p);

    public static void Widen(ushort* p, out Vector128<float> even, out Vector128<float> odd)
    {
        Vector128<uint> v = Vector128.Load((uint*)p);
        even = Vector128.ShiftLeft(v, 16).AsSingle();
        odd = (v & Vector128.Create(0xFFFF0000u)).AsSingle();
    }

    public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    public static float Sum(Vector128<float> v) => Vector128.Sum(v);
}

/// <summary>The kernels, written once per width.</summary>
internal static unsafe class Bf16MatVec<TLanes, TVec>
    where TLanes : struct, IBf16Lanes<TVec>
    where TVec : struct
{
    // Software prefetch 1 KiB ahead in each of the 4 streams: the hardware streamer stops at 4 KiB
    // page edges, and a read loop here went from 10.5 to 12.9 GB/s on one stream with it.
    private const int PrefetchAhead = 512;

    /// <summary>BF16 values per step (one vector load of weights).</summary>
    public static int Step => 2 * TLanes.Count;

    /// <summary>
    /// Copies x[0, k) into <paramref name="split"/> with each step's values regrouped as
    /// [even..., odd...], the order <see cref="IBf16Lanes{TVec}.Widen"/> yields weights in; the tail
    /// past the last whole step is copied as is.
    /// </summary>
    public static void Split(float* x, int k, float* split)
    {
        int lanes = TLanes.Count, step = Step, full = k / step * step;
        for (int c = 0; c < full; c += step)
        {
            for (int i = 0; i < lanes; i++)
            {
                split[c + i] = x[c + (2 * i)];
                split[c + lanes + i] = x[c + (2 * i) + 1];
            }
        }
        for (int t = full; t < k; t++)
        {
            split[t] = x[t];
        }
    }

    /// <summary>Dots of 4 weight rows with one split x-row into r[0..4).</summary>
    public static void Rows4X1(ushort* w0, ushort* w1, ushort* w2, ushort* w3, float* xs, int k, float* r)
    {
        TVec e0 = TLanes.Zero, e1 = TLanes.Zero, e2 = TLanes.Zero, e3 = TLanes.Zero;
        TVec o0 = TLanes.Zero, o1 = TLanes.Zero, o2 = TLanes.Zero, o3 = TLanes.Zero;
        int lanes = TLanes.Count, step = Step, full = k / step * step;
        for (int c = 0; c < full; c += step)
        {
            Prefetch(w0 + c, w1 + c, w2 + c, w3 + c);
            TVec xe = TLanes.Load(xs + c), xo = TLanes.Load(xs + c + lanes);
            TLanes.Widen(w0 + c, out TVec a, out TVec b);
            e0 = TLanes.Fma(a, xe, e0);
            o0 = TLanes.Fma(b, xo, o0);
            TLanes.Widen(w1 + c, out a, out b);
            e1 = TLanes.Fma(a, xe, e1);
            o1 = TLanes.Fma(b, xo, o1);
            TLanes.Widen(w2 + c, out a, out b);
            e2 = TLanes.Fma(a, xe, e2);
            o2 = TLanes.Fma(b, xo, o2);
            TLanes.Widen(w3 + c, out a, out b);
            e3 = TLanes.Fma(a, xe, e3);
            o3 = TLanes.Fma(b, xo, o3);
        }
        r[0] = TLanes.Sum(TLanes.Add(e0, o0)) + Tail(w0, xs, full, k);
        r[1] = TLanes.Sum(TLanes.Add(e1, o1)) + Tail(w1, xs, full, k);
        r[2] = TLanes.Sum(TLanes.Add(e2, o2)) + Tail(w2, xs, full, k);
        r[3] = TLanes.Sum(TLanes.Add(e3, o3)) + Tail(w3, xs, full, k);
    }

    /// <summary>
    /// Dots of 8 weight rows (w + i·stride) with one split x-row into r[0..8): 8 memory streams per
    /// thread. Each row's arithmetic is <see cref="Rows4X1"/>'s (even and odd accumulators, summed at
    /// the end), so a row's result does not depend on which of the two kernels computed it.
    /// </summary>
    public static void Rows8X1(ushort* w, long stride, float* xs, int k, float* r)
    {
        ushort* w0 = w, w1 = w + stride, w2 = w + (2 * stride), w3 = w + (3 * stride);
        ushort* w4 = w + (4 * stride), w5 = w + (5 * stride), w6 = w + (6 * stride), w7 = w + (7 * stride);
        TVec e0 = TLanes.Zero, e1 = TLanes.Zero, e2 = TLanes.Zero, e3 = TLanes.Zero;
        TVec e4 = TLanes.Zero, e5 = TLanes.Zero, e6 = TLanes.Zero, e7 = TLanes.Zero;
        TVec o0 = TLanes.Zero, o1 = TLanes.Zero, o2 = TLanes.Zero, o3 = TLanes.Zero;
        TVec o4 = TLanes.Zero, o5 = TLanes.Zero, o6 = TLanes.Zero, o7 = TLanes.Zero;
        int lanes = TLanes.Count, step = Step, full = k / step * step;
        for (int c = 0; c < full; c += step)
        {
            Prefetch(w0 + c, w1 + c, w2 + c, w3 + c);
            Prefetch(w4 + c, w5 + c, w6 + c, w7 + c);
            TVec xe = TLanes.Load(xs + c), xo = TLanes.Load(xs + c + lanes);
            TLanes.Widen(w0 + c, out TVec a, out TVec b);
            e0 = TLanes.Fma(a, xe, e0);
            o0 = TLanes.Fma(b, xo, o0);
            TLanes.Widen(w1 + c, out a, out b);
            e1 = TLanes.Fma(a, xe, e1);
            o1 = TLanes.Fma(b, xo, o1);
            TLanes.Widen(w2 + c, out a, out b);
            e2 = TLanes.Fma(a, xe, e2);
            o2 = TLanes.Fma(b, xo, o2);
            TLanes.Widen(w3 + c, out a, out b);
            e3 = TLanes.Fma(a, xe, e3);
            o3 = TLanes.Fma(b, xo, o3);
            TLanes.Widen(w4 + c, out a, out b);
            e4 = TLanes.Fma(a, xe, e4);
            o4 = TLanes.Fma(b, xo, o4);
            TLanes.Widen(w5 + c, out a, out b);
            e5 = TLanes.Fma(a, xe, e5);
            o5 = TLanes.Fma(b, xo, o5);
            TLanes.Widen(w6 + c, out a, out b);
            e6 = TLanes.Fma(a, xe, e6);
            o6 = TLanes.Fma(b, xo, o6);
            TLanes.Widen(w7 + c, out a, out b);
            e7 = TLanes.Fma(a, xe, e7);
            o7 = TLanes.Fma(b, xo, o7);
        }
        r[0] = TLanes.Sum(TLanes.Add(e0, o0)) + Tail(w0, xs, full, k);
        r[1] = TLanes.Sum(TLanes.Add(e1, o1)) + Tail(w1, xs, full, k);
        r[2] = TLanes.Sum(TLanes.Add(e2, o2)) + Tail(w2, xs, full, k);
        r[3] = TLanes.Sum(TLanes.Add(e3, o3)) + Tail(w3, xs, full, k);
        r[4] = TLanes.Sum(TLanes.Add(e4, o4)) + Tail(w4, xs, full, k);
        r[5] = TLanes.Sum(TLanes.Add(e5, o5)) + Tail(w5, xs, full, k);
        r[6] = TLanes.Sum(TLanes.Add(e6, o6)) + Tail(w6, xs, full, k);
        r[7] = TLanes.Sum(TLanes.Add(e7, o7)) + Tail(w7, xs, full, k);
    }

    /// <summary>Dots of 4 weight rows with 2 split x-rows (k floats apart) into r[4·x + row].</summary>
    public static void Rows4X2(ushort* w0, ushort* w1, ushort* w2, ushort* w3, float* xs, int k, float* r)
    {
        TVec a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
        TVec b0 = TLanes.Zero, b1 = TLanes.Zero, b2 = TLanes.Zero, b3 = TLanes.Zero;
        int lanes = TLanes.Count, step = Step, full = k / step * step;
        float* ys = xs + k;
        for (int c = 0; c < full; c += step)
        {
            Prefetch(w0 + c, w1 + c, w2 + c, w3 + c);
            TVec xe = TLanes.Load(xs + c), xo = TLanes.Load(xs + c + lanes);
            TVec ye = TLanes.Load(ys + c), yo = TLanes.Load(ys + c + lanes);
            TLanes.Widen(w0 + c, out TVec e, out TVec o);
            a0 = TLanes.Fma(o, xo, TLanes.Fma(e, xe, a0));
            b0 = TLanes.Fma(o, yo, TLanes.Fma(e, ye, b0));
            TLanes.Widen(w1 + c, out e, out o);
            a1 = TLanes.Fma(o, xo, TLanes.Fma(e, xe, a1));
            b1 = TLanes.Fma(o, yo, TLanes.Fma(e, ye, b1));
            TLanes.Widen(w2 + c, out e, out o);
            a2 = TLanes.Fma(o, xo, TLanes.Fma(e, xe, a2));
            b2 = TLanes.Fma(o, yo, TLanes.Fma(e, ye, b2));
            TLanes.Widen(w3 + c, out e, out o);
            a3 = TLanes.Fma(o, xo, TLanes.Fma(e, xe, a3));
            b3 = TLanes.Fma(o, yo, TLanes.Fma(e, ye, b3));
        }
        r[0] = TLanes.Sum(a0) + Tail(w0, xs, full, k);
        r[1] = TLanes.Sum(a1) + Tail(w1, xs, full, k);
        r[2] = TLanes.Sum(a2) + Tail(w2, xs, full, k);
        r[3] = TLanes.Sum(a3) + Tail(w3, xs, full, k);
        r[4] = TLanes.Sum(b0) + Tail(w0, ys, full, k);
        r[5] = TLanes.Sum(b1) + Tail(w1, ys, full, k);
        r[6] = TLanes.Sum(b2) + Tail(w2, ys, full, k);
        r[7] = TLanes.Sum(b3) + Tail(w3, ys, full, k);
    }

    /// <summary>Dots of 4 weight rows with 4 split x-rows (k floats apart) into r[4·x + row].</summary>
    public static void Rows4X4(ushort* w0, ushort* w1, ushort* w2, ushort* w3, float* xs, int k, float* r)
    {
        // 16 accumulators + 2 widened + 2 x registers: fits the 32 zmm registers of AVX-512.
        TVec a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
        TVec b0 = TLanes.Zero, b1 = TLanes.Zero, b2 = TLanes.Zero, b3 = TLanes.Zero;
        TVec c0 = TLanes.Zero, c1 = TLanes.Zero, c2 = TLanes.Zero, c3 = TLanes.Zero;
        TVec d0 = TLanes.Zero, d1 = TLanes.Zero, d2 = TLanes.Zero, d3 = TLanes.Zero;
        int lanes = TLanes.Count, step = Step, full = k / step * step;
        float* x1 = xs + k, x2 = xs + (2 * k), x3 = xs + (3 * k);
        for (int c = 0; c < full; c += step)
        {
            Prefetch(w0 + c, w1 + c, w2 + c, w3 + c);
            TLanes.Widen(w0 + c, out TVec e0, out TVec o0);
            TLanes.Widen(w1 + c, out TVec e1, out TVec o1);
            TLanes.Widen(w2 + c, out TVec e2, out TVec o2);
            TLanes.Widen(w3 + c, out TVec e3, out TVec o3);
            Accumulate4(xs + c, lanes, e0, o0, e1, o1, e2, o2, e3, o3, ref a0, ref a1, ref a2, ref a3);
            Accumulate4(x1 + c, lanes, e0, o0, e1, o1, e2, o2, e3, o3, ref b0, ref b1, ref b2, ref b3);
            Accumulate4(x2 + c, lanes, e0, o0, e1, o1, e2, o2, e3, o3, ref c0, ref c1, ref c2, ref c3);
            Accumulate4(x3 + c, lanes, e0, o0, e1, o1, e2, o2, e3, o3, ref d0, ref d1, ref d2, ref d3);
        }
        Finish4(a0, a1, a2, a3, w0, w1, w2, w3, xs, full, k, r);
        Finish4(b0, b1, b2, b3, w0, w1, w2, w3, x1, full, k, r + 4);
        Finish4(c0, c1, c2, c3, w0, w1, w2, w3, x2, full, k, r + 8);
        Finish4(d0, d1, d2, d3, w0, w1, w2, w3, x3, full, k, r + 12);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate4(float* x, int lanes, TVec e0, TVec o0, TVec e1, TVec o1, TVec e2, TVec o2, TVec e3, TVec o3,
        ref TVec s0, ref TVec s1, ref TVec s2, ref TVec s3)
    {
        TVec xe = TLanes.Load(x), xo = TLanes.Load(x + lanes);
        s0 = TLanes.Fma(o0, xo, TLanes.Fma(e0, xe, s0));
        s1 = TLanes.Fma(o1, xo, TLanes.Fma(e1, xe, s1));
        s2 = TLanes.Fma(o2, xo, TLanes.Fma(e2, xe, s2));
        s3 = TLanes.Fma(o3, xo, TLanes.Fma(e3, xe, s3));
    }

    private static void Finish4(TVec s0, TVec s1, TVec s2, TVec s3, ushort* w0, ushort* w1, ushort* w2, ushort* w3,
        float* xs, int full, int k, float* r)
    {
        r[0] = TLanes.Sum(s0) + Tail(w0, xs, full, k);
        r[1] = TLanes.Sum(s1) + Tail(w1, xs, full, k);
        r[2] = TLanes.Sum(s2) + Tail(w2, xs, full, k);
        r[3] = TLanes.Sum(s3) + Tail(w3, xs, full, k);
    }

    /// <summary>The values past the last whole step (k not a multiple of the step), one at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(ushort* w, float* xs, int from, int k)
    {
        float sum = 0f;
        for (int t = from; t < k; t++)
        {
            sum += BitConverter.UInt32BitsToSingle((uint)w[t] << 16) * xs[t];
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(ushort* w0, ushort* w1, ushort* w2, ushort* w3)
    {
        // Once per 64-byte line (32 BF16 values): narrower steps would repeat the same prefetch.
        if (Sse.IsSupported && ((nuint)w0 & 63) < (nuint)(2 * Step))
        {
            Sse.Prefetch0(w0 + PrefetchAhead);
            Sse.Prefetch0(w1 + PrefetchAhead);
            Sse.Prefetch0(w2 + PrefetchAhead);
            Sse.Prefetch0(w3 + PrefetchAhead);
        }
    }
}
