// Register-blocked GEMM micro-kernels: C[MR, NR] += Apanel[kc, MR] · Bpanel[kc, NR] over packed
// panels (A: MR x-rows per k step, B: NR output columns per k step). One kernel shape per SIMD
// level, each written once over ISimdOps. They know nothing about packing, edges or threads.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Gemm;

/// <summary>A micro-kernel: its tile shape, how it packs operands, and the tile update itself.</summary>
internal unsafe interface IGemmKernel
{
    /// <summary>x-rows per tile (broadcast operand).</summary>
    static abstract int MR { get; }

    /// <summary>Output columns (weight rows) per tile (vector operand).</summary>
    static abstract int NR { get; }

    /// <summary>k elements per packed 4-byte slot: 1 for float32, 2 for bf16 pairs.</summary>
    static abstract int KStep { get; }

    /// <summary>Packed panels hold a multiple of this many slots (zero-padded): 16 for AMX tile steps, else 1.</summary>
    static virtual int SlotAlign => 1;

    /// <summary>Called on a thread before its first tile of a partition (AMX loads its tile configuration).</summary>
    static virtual void Begin()
    {
    }

    /// <summary>Called on a thread after its last tile of a partition (AMX releases the tile state).</summary>
    static virtual void End()
    {
    }

    /// <summary>Packs <paramref name="rows"/> ≤ MR x-rows, k in [k0, k0 + kc), into <c>dst[slot·MR + r]</c>; missing rows are zero.</summary>
    static abstract void PackA(float* x, int ldx, int rows, int k0, int kc, float* dst);

    /// <summary>Packs <paramref name="cols"/> ≤ NR weight rows starting at <paramref name="w"/> into <c>dst[slot·NR + c]</c>; missing rows are zero.</summary>
    static abstract void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch);

    /// <summary>
    /// <c>C[r, c] = base[r, c] + Σ_slot A[slot, r]·B[slot, c]</c> for the whole MR×NR tile, where base is
    /// C itself when <paramref name="init"/> is null (later k blocks) and otherwise the row
    /// <c>init[0..NR)</c> (bias or zeros: the first k block, so y needs no separate clearing pass).
    /// <paramref name="ldc"/> is in floats.
    /// </summary>
    static abstract void Tile(float* a, float* b, int slots, float* c, nint ldc, float* init);
}

/// <summary>12 x-rows × 32 columns = 24 zmm accumulators; 2 B loads + 12 broadcasts feed 24 FMAs per k.</summary>
internal readonly unsafe struct Kernel12x32V512 : IGemmKernel
{
    public static int MR => 12;
    public static int NR => 32;
    public static int KStep => 1;

    public static void PackA(float* x, int ldx, int rows, int k0, int kc, float* dst) => GemmPacking.PackA12(x, ldx, rows, k0, kc, dst);

    public static void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch) =>
        GemmPacking.PackB32(w, dtype, ldw, cols, k0, kc, dst, scratch);

    public static void Tile(float* a, float* b, int slots, float* c, nint ldc, float* init) =>
        GemmKernels<V512Ops, Vector512<float>>.Tile12x2(a, b, slots, c, ldc, init);
}

/// <summary>6 x-rows × 16 columns = 12 ymm accumulators: fits AVX2's 16 registers.</summary>
internal readonly unsafe struct Kernel6x16V256 : IGemmKernel
{
    public static int MR => 6;
    public static int NR => 16;
    public static int KStep => 1;

    public static void PackA(float* x, int ldx, int rows, int k0, int kc, float* dst) => GemmPacking.PackA(x, ldx, rows, k0, kc, dst, 6);

    public static void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch) =>
        GemmPacking.PackB16(w, dtype, ldw, cols, k0, kc, dst, scratch);

    public static void Tile(float* a, float* b, int slots, float* c, nint ldc, float* init) =>
        GemmKernels<V256Ops, Vector256<float>>.Tile6x2(a, b, slots, c, ldc, init);
}

/// <summary>6 x-rows × 8 columns = 12 xmm accumulators: fits SSE's 16 and NEON's 32 registers.</summary>
internal readonly unsafe struct Kernel6x8V128 : IGemmKernel
{
    public static int MR => 6;
    public static int NR => 8;
    public static int KStep => 1;

    public static void PackA(float* x, int ldx, int rows, int k0, int kc, float* dst) => GemmPacking.PackA(x, ldx, rows, k0, kc, dst, 6);

    public static void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch) =>
        GemmPacking.PackB(w, dtype, ldw, cols, k0, kc, dst, scratch, 8);

    public static void Tile(float* a, float* b, int slots, float* c, nint ldc, float* init) =>
        GemmKernels<V128Ops, Vector128<float>>.Tile6x2(a, b, slots, c, ldc, init);
}

/// <summary>The plain scalar path: 6 × 2 floats, unfused multiply-add (no special instructions).</summary>
internal readonly unsafe struct Kernel6x2Scalar : IGemmKernel
{
    public static int MR => 6;
    public static int NR => 2;
    public static int KStep => 1;

    public static void PackA(float* x, int ldx, int rows, int k0, int kc, float* dst) => GemmPacking.PackA(x, ldx, rows, k0, kc, dst, 6);

    public static void PackB(byte* w, DType dtype, int ldw, int cols, int k0, int kc, float* dst, float* scratch) =>
        GemmPacking.PackB(w, dtype, ldw, cols, k0, kc, dst, scratch, 2);

    public static void Tile(float* a, float* b, int slots, float* c, nint ldc, float* init) =>
        GemmKernels<ScalarOps, float>.Tile6x2(a, b, slots, c, ldc, init);
}

/// <summary>
/// The tile loops, generic over vector width; "x2" means two vectors of columns per row. They (and the
/// packers) are never inlined: inlined into a caller, the JIT ran out of its inlining budget and left
/// the k-step and store helpers as calls inside the loop (seen in Kernel6x16V256.Tile's tier-1 code).
/// </summary>
internal static unsafe class GemmKernels<TOps, TVec>
    where TOps : struct, ISimdOps<TVec>
    where TVec : struct
{
    /// <summary>12 rows × 2 vectors. Needs 24 accumulators + 3 temporaries: only for 32-register ISAs.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile12x2(float* a, float* b, int slots, float* c, nint ldc, float* init)
    {
        int w = TOps.Count;
        PrefetchTile(c, ldc, 12);
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c20 = TOps.Zero, c21 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero, c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        TVec c60 = TOps.Zero, c61 = TOps.Zero, c70 = TOps.Zero, c71 = TOps.Zero, c80 = TOps.Zero, c81 = TOps.Zero;
        TVec c90 = TOps.Zero, c91 = TOps.Zero, cA0 = TOps.Zero, cA1 = TOps.Zero, cB0 = TOps.Zero, cB1 = TOps.Zero;
        for (int p = 0; p < slots; p++)
        {
            if (Sse.IsSupported)
            {
                // The A panel streams from L2 (one new line every 1⅓ steps): ask ~10 steps ahead.
                Sse.Prefetch0(a + 128);
            }
            TVec b0 = TOps.Load(ref b[0], 0);
            TVec b1 = TOps.Load(ref b[0], (nuint)w);
            TVec x = TOps.Broadcast(a[0]);
            c00 = TOps.MultiplyAdd(x, b0, c00);
            c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Broadcast(a[1]);
            c10 = TOps.MultiplyAdd(x, b0, c10);
            c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Broadcast(a[2]);
            c20 = TOps.MultiplyAdd(x, b0, c20);
            c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Broadcast(a[3]);
            c30 = TOps.MultiplyAdd(x, b0, c30);
            c31 = TOps.MultiplyAdd(x, b1, c31);
            x = TOps.Broadcast(a[4]);
            c40 = TOps.MultiplyAdd(x, b0, c40);
            c41 = TOps.MultiplyAdd(x, b1, c41);
            x = TOps.Broadcast(a[5]);
            c50 = TOps.MultiplyAdd(x, b0, c50);
            c51 = TOps.MultiplyAdd(x, b1, c51);
            x = TOps.Broadcast(a[6]);
            c60 = TOps.MultiplyAdd(x, b0, c60);
            c61 = TOps.MultiplyAdd(x, b1, c61);
            x = TOps.Broadcast(a[7]);
            c70 = TOps.MultiplyAdd(x, b0, c70);
            c71 = TOps.MultiplyAdd(x, b1, c71);
            x = TOps.Broadcast(a[8]);
            c80 = TOps.MultiplyAdd(x, b0, c80);
            c81 = TOps.MultiplyAdd(x, b1, c81);
            x = TOps.Broadcast(a[9]);
            c90 = TOps.MultiplyAdd(x, b0, c90);
            c91 = TOps.MultiplyAdd(x, b1, c91);
            x = TOps.Broadcast(a[10]);
            cA0 = TOps.MultiplyAdd(x, b0, cA0);
            cA1 = TOps.MultiplyAdd(x, b1, cA1);
            x = TOps.Broadcast(a[11]);
            cB0 = TOps.MultiplyAdd(x, b0, cB0);
            cB1 = TOps.MultiplyAdd(x, b1, cB1);
            a += 12;
            b += 2 * w;
        }
        if (init != null)
        {
            TVec i0 = TOps.Load(ref init[0], 0), i1 = TOps.Load(ref init[0], (nuint)w);
            Set(c, c00, c01, i0, i1);
            Set(c + ldc, c10, c11, i0, i1);
            Set(c + (2 * ldc), c20, c21, i0, i1);
            Set(c + (3 * ldc), c30, c31, i0, i1);
            Set(c + (4 * ldc), c40, c41, i0, i1);
            Set(c + (5 * ldc), c50, c51, i0, i1);
            Set(c + (6 * ldc), c60, c61, i0, i1);
            Set(c + (7 * ldc), c70, c71, i0, i1);
            Set(c + (8 * ldc), c80, c81, i0, i1);
            Set(c + (9 * ldc), c90, c91, i0, i1);
            Set(c + (10 * ldc), cA0, cA1, i0, i1);
            Set(c + (11 * ldc), cB0, cB1, i0, i1);
            return;
        }
        Accumulate(c, c00, c01);
        Accumulate(c + ldc, c10, c11);
        Accumulate(c + (2 * ldc), c20, c21);
        Accumulate(c + (3 * ldc), c30, c31);
        Accumulate(c + (4 * ldc), c40, c41);
        Accumulate(c + (5 * ldc), c50, c51);
        Accumulate(c + (6 * ldc), c60, c61);
        Accumulate(c + (7 * ldc), c70, c71);
        Accumulate(c + (8 * ldc), c80, c81);
        Accumulate(c + (9 * ldc), c90, c91);
        Accumulate(c + (10 * ldc), cA0, cA1);
        Accumulate(c + (11 * ldc), cB0, cB1);
    }

    /// <summary>6 rows × 2 vectors: 12 accumulators + 3 temporaries fit 16-register ISAs.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile6x2(float* a, float* b, int slots, float* c, nint ldc, float* init)
    {
        int w = TOps.Count;
        PrefetchTile(c, ldc, 6);
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c20 = TOps.Zero, c21 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero, c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        int p = 0;
        // Four k steps per trip: the single-step loop ran ~4% slower on the AVX2 EPYC (2 threads,
        // 512×2048·2048×11008), from loop overhead; each accumulator still sums in the same k order.
        for (; p + 4 <= slots; p += 4)
        {
            Step6x2(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step6x2(a + 6, b + (2 * w), ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step6x2(a + 12, b + (4 * w), ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step6x2(a + 18, b + (6 * w), ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a += 24;
            b += 8 * w;
        }
        for (; p < slots; p++)
        {
            Step6x2(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a += 6;
            b += 2 * w;
        }
        if (init != null)
        {
            TVec i0 = TOps.Load(ref init[0], 0), i1 = TOps.Load(ref init[0], (nuint)w);
            Set(c, c00, c01, i0, i1);
            Set(c + ldc, c10, c11, i0, i1);
            Set(c + (2 * ldc), c20, c21, i0, i1);
            Set(c + (3 * ldc), c30, c31, i0, i1);
            Set(c + (4 * ldc), c40, c41, i0, i1);
            Set(c + (5 * ldc), c50, c51, i0, i1);
            return;
        }
        Accumulate(c, c00, c01);
        Accumulate(c + ldc, c10, c11);
        Accumulate(c + (2 * ldc), c20, c21);
        Accumulate(c + (3 * ldc), c30, c31);
        Accumulate(c + (4 * ldc), c40, c41);
        Accumulate(c + (5 * ldc), c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step6x2(float* a, float* b, ref TVec c00, ref TVec c01, ref TVec c10, ref TVec c11, ref TVec c20, ref TVec c21,
        ref TVec c30, ref TVec c31, ref TVec c40, ref TVec c41, ref TVec c50, ref TVec c51)
    {
        TVec b0 = TOps.Load(ref b[0], 0);
        TVec b1 = TOps.Load(ref b[0], (nuint)TOps.Count);
        TVec x = TOps.Broadcast(a[0]);
        c00 = TOps.MultiplyAdd(x, b0, c00);
        c01 = TOps.MultiplyAdd(x, b1, c01);
        x = TOps.Broadcast(a[1]);
        c10 = TOps.MultiplyAdd(x, b0, c10);
        c11 = TOps.MultiplyAdd(x, b1, c11);
        x = TOps.Broadcast(a[2]);
        c20 = TOps.MultiplyAdd(x, b0, c20);
        c21 = TOps.MultiplyAdd(x, b1, c21);
        x = TOps.Broadcast(a[3]);
        c30 = TOps.MultiplyAdd(x, b0, c30);
        c31 = TOps.MultiplyAdd(x, b1, c31);
        x = TOps.Broadcast(a[4]);
        c40 = TOps.MultiplyAdd(x, b0, c40);
        c41 = TOps.MultiplyAdd(x, b1, c41);
        x = TOps.Broadcast(a[5]);
        c50 = TOps.MultiplyAdd(x, b0, c50);
        c51 = TOps.MultiplyAdd(x, b1, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set(float* row, TVec v0, TVec v1, TVec i0, TVec i1)
    {
        TOps.Store(TOps.Add(v0, i0), ref row[0], 0);
        TOps.Store(TOps.Add(v1, i1), ref row[0], (nuint)TOps.Count);
    }

    /// <summary>
    /// Asks for the tile's rows of y up front: they are MR scattered rows of a large output, often
    /// not in cache, and the tile's ~kc·MR FMAs hide the misses if the loads start now.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, nint ldc, int rows)
    {
        if (Sse.IsSupported && TOps.Count > 1)
        {
            int bytes = 2 * TOps.Count * sizeof(float);
            for (int r = 0; r < rows; r++)
            {
                byte* row = (byte*)(c + (r * ldc));
                Sse.Prefetch0(row);
                Sse.Prefetch0(row + bytes - 1);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(float* row, TVec v0, TVec v1)
    {
        int w = TOps.Count;
        TOps.Store(TOps.Add(TOps.Load(ref row[0], 0), v0), ref row[0], 0);
        TOps.Store(TOps.Add(TOps.Load(ref row[0], (nuint)w), v1), ref row[0], (nuint)w);
    }
}
