// The tiled attention path's score and value products for CPUs with 16 vector registers (x86
// without AVX-512: AVX2, SSE): 4 keys (or 4 head elements) × 2 query vectors = 8 accumulators,
// where the 8 × 2 of CpuBackend.AttentionTiled.cs need 16 plus the two query vectors and the
// broadcast, 19 of 16 ymm registers, so the JIT spilled accumulators (a store and reload inside
// each FMA chain) and the 8 key pointers. Same sums in the same order per score and output element.
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    /// <summary>
    /// Whether the tiled attention path takes its 4-wide products (<see cref="AttentionJob"/>'s
    /// Scores4 / Values4) for two query vectors: true on x86 without AVX-512, whose 16 vector
    /// registers cannot hold the 8-wide products' 16 accumulators. Tests set both.
    /// </summary>
    internal bool NarrowAttentionTiles { get; set; } = X86Base.IsSupported && !Avx512F.IsSupported;

    private partial struct AttentionJob
    {
        /// <summary><c>Scores</c>, 4 keys at a time.</summary>
        private readonly void Scores4<TOps, TVec, TW>(float* qt, float* k, long ks, int nk, float* st, int ahead)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
        {
            int lanes = TOps.Count, qb = (TW.Two ? 2 : 1) * lanes, d = HeadDim;
            int j = 0;
            for (; j + 4 <= nk; j += 4)
            {
                float* k0 = k + (j * ks), k1 = k0 + ks, k2 = k1 + ks, k3 = k2 + ks;
                // The next block's rows, as in Scores: one line of each per 16 head elements.
                int fetchRows = Sse.IsSupported && j < ahead ? Math.Min(4, ahead - j) : 0;
                float* next = k0 + (TiledKeyBlock * ks);
                TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
                TVec b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero;
                float* qd = qt;
                for (int dd = 0; dd < d; dd++, qd += qb)
                {
                    if ((dd & 15) == 0 && fetchRows > 0)
                    {
                        for (int r = 0; r < fetchRows; r++)
                        {
                            Sse.Prefetch0(next + (r * ks) + dd);
                        }
                    }
                    TVec qa = TOps.Load(ref qd[0], 0), qc = Second<TOps, TVec, TW>(ref qd[0], (nuint)lanes);
                    Fma2<TOps, TVec, TW>(k0[dd], qa, qc, ref a0, ref b0);
                    Fma2<TOps, TVec, TW>(k1[dd], qa, qc, ref a1, ref b1);
                    Fma2<TOps, TVec, TW>(k2[dd], qa, qc, ref a2, ref b2);
                    Fma2<TOps, TVec, TW>(k3[dd], qa, qc, ref a3, ref b3);
                }
                float* row = st + (j * qb);
                StoreRow<TOps, TVec, TW>(row, lanes, a0, b0);
                StoreRow<TOps, TVec, TW>(row + qb, lanes, a1, b1);
                StoreRow<TOps, TVec, TW>(row + (2 * qb), lanes, a2, b2);
                StoreRow<TOps, TVec, TW>(row + (3 * qb), lanes, a3, b3);
            }
            ScoresTail<TOps, TVec, TW>(qt, k, ks, j, nk, st, ahead);
        }

        /// <summary><c>Values</c>, 4 head elements at a time.</summary>
        private readonly void Values4<TOps, TVec, TW>(float* pt, float* v, long vs, int nk, float* ot, float* corr, int ahead)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
        {
            int lanes = TOps.Count, qb = (TW.Two ? 2 : 1) * lanes, d = HeadDim;
            nuint l = (nuint)lanes;
            TVec ca = TOps.Load(ref corr[0], 0), cb = Second<TOps, TVec, TW>(ref corr[0], l);
            int d0 = 0;
            for (; d0 + 4 <= d; d0 += 4)
            {
                float* o = ot + (d0 * qb);
                Scaled<TOps, TVec, TW>(o, l, ca, cb, out TVec a0, out TVec b0);
                Scaled<TOps, TVec, TW>(o + qb, l, ca, cb, out TVec a1, out TVec b1);
                Scaled<TOps, TVec, TW>(o + (2 * qb), l, ca, cb, out TVec a2, out TVec b2);
                Scaled<TOps, TVec, TW>(o + (3 * qb), l, ca, cb, out TVec a3, out TVec b3);
                float* vj = v + d0;
                float* pj = pt;
                // Every fourth pass starts a 64-byte line of each row: fetch that line a block on.
                int fetch = d0 % 16 == 0 ? ahead : 0;
                for (int j = 0; j < nk; j++, vj += vs, pj += qb)
                {
                    if (j < fetch && Sse.IsSupported)
                    {
                        Sse.Prefetch0(vj + (TiledKeyBlock * vs));
                    }
                    TVec pa = TOps.Load(ref pj[0], 0), pb = Second<TOps, TVec, TW>(ref pj[0], l);
                    Fma2<TOps, TVec, TW>(vj[0], pa, pb, ref a0, ref b0);
                    Fma2<TOps, TVec, TW>(vj[1], pa, pb, ref a1, ref b1);
                    Fma2<TOps, TVec, TW>(vj[2], pa, pb, ref a2, ref b2);
                    Fma2<TOps, TVec, TW>(vj[3], pa, pb, ref a3, ref b3);
                }
                StoreRow<TOps, TVec, TW>(o, lanes, a0, b0);
                StoreRow<TOps, TVec, TW>(o + qb, lanes, a1, b1);
                StoreRow<TOps, TVec, TW>(o + (2 * qb), lanes, a2, b2);
                StoreRow<TOps, TVec, TW>(o + (3 * qb), lanes, a3, b3);
            }
            ValuesTail<TOps, TVec, TW>(pt, v, vs, nk, ot, d0, ca, cb);
        }
    }
}
