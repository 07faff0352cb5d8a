// The one-row Q4_0x8 decode kernel for AVX2 without VNNI over 2 groups in step (the AMD walk,
// CpuBackend.DecodeStreams): int16 sums before one vpmaddwd, and the two groups take each chunk of
// the block in turn, so one pair of x broadcasts serves both. Not the 4- or 8-group walks, nor VNNI
// (vpdpbusd has no int16 step to save): those keep Streams4/Streams8 in InterleavedDotX86.cs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

internal readonly unsafe partial struct X86InterleavedDot<TDot>
{
    /// <summary>
    /// <see cref="Q4_0w2"/> on AVX2. Per block and group, the 8 vpmaddubsw results (each at most
    /// 2 · 15 · 128 = 3840 per int16 lane, 30720 for all 8) are summed in int16 and widened by one
    /// vpmaddwd: 8 multiplies, 7 int16 adds and 1 widening per block, where the int32 form took 8 + 8
    /// multiplies and 8 adds. Written per group with 8 broadcast x vectors live (the shared
    /// Streams2), the JIT spilled both accumulators and three x vectors to the stack every block.
    /// The integer sums are the same as <see cref="SumQ4"/>'s, so the results are bit for bit too.
    /// </summary>
    private static void Q4PairsW2(byte* g, nint step, int blocks, sbyte* q, float* d, int* o, float* results)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        Vector256<byte> m = Vector256.Create((byte)0x0F);
        var f16 = new F16Scales();
        for (int b = 0; b < blocks; b++, g += Q4, q += 32)
        {
            byte* h = g + step;
            Sse.Prefetch0(g + PrefetchQ4);
            Sse.Prefetch0(h + PrefetchQ4);
            Vector256<short> p0 = Vector256<short>.Zero, p1 = Vector256<short>.Zero;
            ChunkW2(g + 16, h + 16, q, m, ref p0, ref p1);
            Sse.Prefetch0(g + PrefetchQ4 + 64);
            Sse.Prefetch0(h + PrefetchQ4 + 64);
            ChunkW2(g + 48, h + 48, q + 4, m, ref p0, ref p1);
            Sse.Prefetch0(g + PrefetchQ4 + 128);
            Sse.Prefetch0(h + PrefetchQ4 + 128);
            ChunkW2(g + 80, h + 80, q + 8, m, ref p0, ref p1);
            ChunkW2(g + 112, h + 112, q + 12, m, ref p0, ref p1);
            Vector256<int> seed = Seed(o + b);
            Vector256<float> dx = Vector256.Create(d[b]);
            Vector256<short> ones = Vector256.Create((short)1);
            a0 = Accumulate(seed + Avx2.MultiplyAddAdjacent(p0, ones), f16.Load(g) * dx, a0);
            a1 = Accumulate(seed + Avx2.MultiplyAddAdjacent(p1, ones), f16.Load(h) * dx, a1);
        }
        a0.Store(results);
        a1.Store(results + 8);
    }

    /// <summary>Chunk c of both groups' block (values 4c.. low, 16 + 4c.. high nibbles) against x[4c..] and x[16 + 4c..].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ChunkW2(byte* u, byte* v, sbyte* x, Vector256<byte> m, ref Vector256<short> p0, ref Vector256<short> p1)
    {
        Vector256<sbyte> low = Broadcast(x), high = Broadcast(x + 16);
        Vector256<byte> c = Vector256.Load(u), e = Vector256.Load(v);
        p0 += Avx2.MultiplyAddAdjacent(c & m, low) + Avx2.MultiplyAddAdjacent(High(c, m), high);
        p1 += Avx2.MultiplyAddAdjacent(e & m, low) + Avx2.MultiplyAddAdjacent(High(e, m), high);
    }
}
