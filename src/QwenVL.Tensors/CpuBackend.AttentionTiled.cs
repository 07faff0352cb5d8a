// The register-tiled attention path (vector levels, head_dim a multiple of the vector width). Per
// (head, block of 2 vectors' worth of queries) the queries are transposed once, pre-scaled, into
// Qᵀ[d][q]; then per block of 64 keys: scores Sᵀ[key][query] from 8 keys × 2 query vectors of
// register accumulators (a key element broadcast against Qᵀ rows: no horizontal sums); the online
// softmax runs across queries in vector lanes; P·V accumulates Oᵀ[d][query] the same way (a value
// element broadcast against 2 query vectors, 8 head elements at a time; 4 and 4 where there are only
// 16 vector registers: NarrowAttentionTiles). The one-dot-at-a-time path
// (CpuBackend.Attention.cs) ran ~30 GFLOP/s on the vision tower's 4784-patch layers.
// Not for the scalar level or odd head sizes: those keep the plain path.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    private const int TiledKeyBlock = 64;

    /// <summary>How many vectors of queries a tiled block holds (two normally; one for small decode groups).</summary>
    private interface IQueryVectors
    {
        static abstract bool Two { get; }
    }

    private readonly struct OneVector : IQueryVectors
    {
        public static bool Two => false;
    }

    private readonly struct TwoVectors : IQueryVectors
    {
        public static bool Two => true;
    }

    /// <summary>
    /// Keys (scores) or head elements (values) per step of the tiled products: 8, or 4 where 16 vector
    /// registers cannot hold 8 × 2 accumulators beside the two query vectors and the broadcast
    /// (<see cref="NarrowAttentionTiles"/>). The JIT drops the unused half of the 4-wide form.
    /// </summary>
    private interface ITileWidth
    {
        static abstract bool Eight { get; }
    }

    private readonly struct FourWide : ITileWidth
    {
        public static bool Eight => false;
    }

    private readonly struct EightWide : ITileWidth
    {
        public static bool Eight => true;
    }

    /// <summary>
    /// Whether the tiled products take 4 keys / head elements per step with two query vectors: true on
    /// x86 without AVX-512, whose 16 vector registers cannot hold the 8-wide step's 16 accumulators
    /// (the JIT spilled 5 of them and reloaded them inside the FMA chains). The sums run in the same
    /// order either way, so the outputs are identical; tests set both.
    /// </summary>
    internal bool NarrowAttentionTiles { get; set; } = X86Base.IsSupported && !Avx512F.IsSupported;

    private partial struct AttentionJob
    {
        /// <summary>Floats of per-thread scratch the tiled path needs for one query block.</summary>
        private static int TiledScratch(int queryBlock, int headDim) =>
            (2 * queryBlock * headDim) + (TiledKeyBlock * queryBlock) + (3 * queryBlock);

        private readonly void RunTiled<TOps, TVec>(int partition, int partitionCount)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            int qb = 2 * TOps.Count;
            if (PairPacked(TOps.Count))
            {
                RunPairPacked<TOps, TVec>(partition, partitionCount);
                return;
            }
            if (GroupPacked(qb))
            {
                RunGroupPacked<TOps, TVec>(partition, partitionCount, qb);
                return;
            }
            int blocks = (QRows + qb - 1) / qb;
            int units = Units / QueryBlocks * blocks;
            (int first, int last) = PartitionRange(partition, partitionCount, units);
            // With several query blocks per head, the head's keys and values are packed once into
            // contiguous rows: in place they lie KvStride floats apart (5120 bytes in the vision
            // tower), which maps a key block onto a quarter of L1's sets, and a head's rows are then
            // re-read from L2 by each of its query blocks instead of from L3 (1.3 MB per head at
            // 2048 keys). One query block (decode) reads them in place: packing would double the traffic.
            bool pack = blocks >= 2 && KvStride != HeadDim;
            int tile = TiledScratch(qb, HeadDim);
            long packed = pack ? 2L * KvRows * HeadDim : 0;
            float[] scratch = ThreadScratch.Get(checked((int)(tile + packed)));
            fixed (float* s = scratch)
            {
                int packedHead = -1;
                float* kp = s + tile, vp = kp + ((long)KvRows * HeadDim);
                for (int unit = first; unit < last; unit++)
                {
                    int head = unit / blocks, kvHead = head / Group;
                    int i0 = unit % blocks * qb;
                    if (pack && kvHead != packedHead)
                    {
                        for (int j = 0; j < KvRows; j++)
                        {
                            long at = ((long)j * KvStride) + (kvHead * KvHeadStride);
                            new ReadOnlySpan<float>(K + at, HeadDim).CopyTo(new Span<float>(kp + ((long)j * HeadDim), HeadDim));
                            new ReadOnlySpan<float>(V + at, HeadDim).CopyTo(new Span<float>(vp + ((long)j * HeadDim), HeadDim));
                        }
                        packedHead = kvHead;
                    }
                    float* k = pack ? kp : K + (kvHead * KvHeadStride);
                    float* v = pack ? vp : V + (kvHead * KvHeadStride);
                    TiledBlock<TOps, TVec, TwoVectors>(head, 1, i0, Math.Min(QRows, i0 + qb) - i0, k, v, pack ? HeadDim : KvStride, !pack, s);
                }
            }
        }

        /// <summary>
        /// Few query rows with grouped KV heads (decode: 1 row, 8 heads per KV head in a 3B model): one
        /// query per lane would leave 31 of 32 lanes empty, so the lanes hold (row, head-of-the-group)
        /// pairs instead, row-major, and each unit is one KV head's block of such pairs.
        /// </summary>
        private readonly bool GroupPacked(int qb) => Group > 1 && (long)QRows * Group <= 2L * qb;

        private readonly void RunGroupPacked<TOps, TVec>(int partition, int partitionCount, int qb)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            int flat = QRows * Group;
            if (flat <= TOps.Count)
            {
                // All of them fit one vector (decode, 8 heads per KV head at 256 bits): the second
                // query vector would only multiply padding.
                RunGroupPacked<TOps, TVec, OneVector>(partition, partitionCount, TOps.Count, flat);
                return;
            }
            RunGroupPacked<TOps, TVec, TwoVectors>(partition, partitionCount, qb, flat);
        }

        private readonly void RunGroupPacked<TOps, TVec, TW>(int partition, int partitionCount, int qb, int flat)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
        {
            int blocks = (flat + qb - 1) / qb;
            int kvHeads = Units / QueryBlocks / Group;
            (int first, int last) = PartitionRange(partition, partitionCount, kvHeads * blocks);
            float[] scratch = ThreadScratch.Get(TiledScratch(qb, HeadDim));
            fixed (float* s = scratch)
            {
                for (int unit = first; unit < last; unit++)
                {
                    int kvHead = unit / blocks, t0 = unit % blocks * qb;
                    long at = kvHead * KvHeadStride;
                    TiledBlock<TOps, TVec, TW>(kvHead * Group, Group, t0, Math.Min(qb, flat - t0), K + at, V + at, KvStride, true, s);
                }
            }
        }

        /// <summary>
        /// One block of <paramref name="count"/> queries in lanes: lane q is flattened index t0 + q of
        /// (row, head) pairs with <paramref name="heads"/> heads per row, i.e. row (t0 + q) / heads and
        /// head firstHead + (t0 + q) % heads (heads = 1: lane q is row t0 + q of one head). With
        /// <paramref name="fetchAhead"/> (rows read in place from the caller's cache, not a packed copy in
        /// L2) each key block's loops prefetch the next block's rows.
        /// </summary>
        private readonly void TiledBlock<TOps, TVec, TW>(int firstHead, int heads, int t0, int count, float* k, float* v, long kvStride, bool fetchAhead,
            float* scratch)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
        {
            int lanes = TOps.Count, qb = (TW.Two ? 2 : 1) * lanes, d = HeadDim;
            float* qt = scratch, o = qt + (d * qb), st = o + (d * qb), max = st + (TiledKeyBlock * qb);
            float* sum = max + qb, corr = sum + qb;
            for (int q = 0; q < qb; q++)
            {
                float* query = Q + ((long)((t0 + q) / heads) * QStride) + ((long)(firstHead + ((t0 + q) % heads)) * d);
                for (int dd = 0; dd < d; dd++)
                {
                    qt[(dd * qb) + q] = q < count ? Scale * query[dd] : 0f;
                }
            }
            new Span<float>(o, qb * d).Clear();
            new Span<float>(max, qb).Fill(float.NegativeInfinity);
            new Span<float>(sum, qb).Clear();

            bool causal = CausalOffset >= 0;
            int firstRow = t0 / heads, lastRow = (t0 + count - 1) / heads;
            int keyEnd = causal ? Math.Min(KvRows, CausalOffset + lastRow + 1) : KvRows;
            for (int j0 = 0; j0 < keyEnd; j0 += TiledKeyBlock)
            {
                int nk = Math.Min(TiledKeyBlock, keyEnd - j0);
                // Rows read in place (decode) are fetched a block ahead, a few rows at a time from
                // inside the score and value loops (see PairBlock), the first block here.
                int ahead = 0;
                if (fetchAhead)
                {
                    if (j0 == 0)
                    {
                        PrefetchRows(k, kvStride, 0, nk);
                        PrefetchRows(v, kvStride, 0, nk);
                    }
                    ahead = Math.Max(0, keyEnd - (j0 + TiledKeyBlock));
                }
                if (TW.Two && NarrowTiles)
                {
                    Scores<TOps, TVec, TW, FourWide>(qt, k + (j0 * kvStride), kvStride, nk, st, ahead);
                }
                else
                {
                    Scores<TOps, TVec, TW, EightWide>(qt, k + (j0 * kvStride), kvStride, nk, st, ahead);
                }
                if (causal && j0 + nk - 1 > CausalOffset + firstRow)
                {
                    // Key j0 + j is hidden from the lanes whose row is below j0 + j − causalOffset:
                    // rows grow with the lane, so those are the first heads·(j0 + j − causalOffset) − t0.
                    for (int j = 0; j < nk; j++)
                    {
                        int hidden = (int)Math.Clamp(((long)heads * (j0 + j - CausalOffset)) - t0, 0, count);
                        for (int q = 0; q < hidden; q++)
                        {
                            st[(j * qb) + q] = float.NegativeInfinity;
                        }
                    }
                }
                Softmax<TOps, TVec>(st, nk, max, sum, corr, qb);
                if (TW.Two && NarrowTiles)
                {
                    Values<TOps, TVec, TW, FourWide>(st, v + (j0 * kvStride), kvStride, nk, o, corr, ahead);
                }
                else
                {
                    Values<TOps, TVec, TW, EightWide>(st, v + (j0 * kvStride), kvStride, nk, o, corr, ahead);
                }
            }

            for (int q = 0; q < count; q++)
            {
                // A query that sees no key (only when kvRows is 0) gets zeros, like the reference.
                float inverse = sum[q] == 0f ? 0f : 1f / sum[q];
                float* output = Out + ((long)((t0 + q) / heads) * OutStride) + ((long)(firstHead + ((t0 + q) % heads)) * d);
                for (int dd = 0; dd < d; dd++)
                {
                    output[dd] = o[(dd * qb) + q] * inverse;
                }
            }
        }

        /// <summary>Sᵀ[j][q] = Σ_d k_j[d]·Qᵀ[d][q] for the block's nk keys (ks floats apart), 8 or 4 keys at a time (<typeparamref name="TWidth"/>).</summary>
        private readonly void Scores<TOps, TVec, TW, TWidth>(float* qt, float* k, long ks, int nk, float* st, int ahead)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
            where TWidth : struct, ITileWidth
        {
            int lanes = TOps.Count, qb = (TW.Two ? 2 : 1) * lanes, d = HeadDim, keys = TWidth.Eight ? 8 : 4;
            int j = 0;
            for (; j + keys <= nk; j += keys)
            {
                float* k0 = k + (j * ks), k1 = k0 + ks, k2 = k1 + ks, k3 = k2 + ks, k4 = k3 + ks, k5 = k4 + ks, k6 = k5 + ks, k7 = k6 + ks;
                // The next block's rows of this step, one line of each per 16 head elements (x86 only). 36 layers
                // × 654 cached keys from memory on the AMD EPYC, 2 threads: 185 µs a layer, against 215
                // with the step's 64 prefetches in one burst and 247 with the block's 1024 in one.
                int fetchRows = Sse.IsSupported && j < ahead ? Math.Min(keys, ahead - j) : 0;
                float* next = k0 + (TiledKeyBlock * ks);
                TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero, a4 = TOps.Zero, a5 = TOps.Zero, a6 = TOps.Zero, a7 = TOps.Zero;
                TVec b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero, b4 = TOps.Zero, b5 = TOps.Zero, b6 = TOps.Zero, b7 = TOps.Zero;
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
                    if (TWidth.Eight)
                    {
                        Fma2<TOps, TVec, TW>(k4[dd], qa, qc, ref a4, ref b4);
                        Fma2<TOps, TVec, TW>(k5[dd], qa, qc, ref a5, ref b5);
                        Fma2<TOps, TVec, TW>(k6[dd], qa, qc, ref a6, ref b6);
                        Fma2<TOps, TVec, TW>(k7[dd], qa, qc, ref a7, ref b7);
                    }
                }
                float* row = st + (j * qb);
                StoreRow<TOps, TVec, TW>(row, lanes, a0, b0);
                StoreRow<TOps, TVec, TW>(row + qb, lanes, a1, b1);
                StoreRow<TOps, TVec, TW>(row + (2 * qb), lanes, a2, b2);
                StoreRow<TOps, TVec, TW>(row + (3 * qb), lanes, a3, b3);
                if (TWidth.Eight)
                {
                    StoreRow<TOps, TVec, TW>(row + (4 * qb), lanes, a4, b4);
                    StoreRow<TOps, TVec, TW>(row + (5 * qb), lanes, a5, b5);
                    StoreRow<TOps, TVec, TW>(row + (6 * qb), lanes, a6, b6);
                    StoreRow<TOps, TVec, TW>(row + (7 * qb), lanes, a7, b7);
                }
            }
            ScoresTail<TOps, TVec, TW>(qt, k, ks, j, nk, st, ahead);
        }

        /// <summary>The scores of keys [j, nk) one key at a time (what the multi-key loops leave).</summary>
        private readonly void ScoresTail<TOps, TVec, TW>(float* qt, float* k, long ks, int j, int nk, float* st, int ahead)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
        {
            int lanes = TOps.Count, qb = (TW.Two ? 2 : 1) * lanes, d = HeadDim;
            for (; j < nk; j++)
            {
                float* kj = k + (j * ks);
                if (j < ahead)
                {
                    PrefetchRows(kj + (TiledKeyBlock * ks), ks, 0, 1);
                }
                TVec a = TOps.Zero, b = TOps.Zero;
                for (int dd = 0; dd < d; dd++)
                {
                    Fma2<TOps, TVec, TW>(kj[dd], TOps.Load(ref qt[dd * qb], 0), Second<TOps, TVec, TW>(ref qt[dd * qb], (nuint)lanes), ref a, ref b);
                }
                StoreRow<TOps, TVec, TW>(st + (j * qb), lanes, a, b);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRow<TOps, TVec, TW>(float* row, int lanes, TVec a, TVec b)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
        {
            TOps.Store(a, ref row[0], 0);
            if (TW.Two)
            {
                TOps.Store(b, ref row[0], (nuint)lanes);
            }
        }

        /// <summary>acc + x·q for the second query vector; nothing with one (the JIT drops the call).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TVec Wide<TOps, TVec, TW>(TVec x, TVec q, TVec acc)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors => TW.Two ? TOps.MultiplyAdd(x, q, acc) : acc;

        /// <summary>a += value·qa and (with two query vectors) b += value·qc: one key or value element against the block's queries.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Fma2<TOps, TVec, TW>(float value, TVec qa, TVec qc, ref TVec a, ref TVec b)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
        {
            TVec x = TOps.Broadcast(value);
            a = TOps.MultiplyAdd(x, qa, a);
            b = Wide<TOps, TVec, TW>(x, qc, b);
        }

        /// <summary>An Oᵀ row's running sums scaled by the block's corrections (b zero with one query vector).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Scaled<TOps, TVec, TW>(float* o, nuint lanes, TVec ca, TVec cb, out TVec a, out TVec b)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
        {
            a = TOps.Multiply(TOps.Load(ref o[0], 0), ca);
            b = TW.Two ? TOps.Multiply(TOps.Load(ref o[0], lanes), cb) : TOps.Zero;
        }

        /// <summary>The second query vector's load; zero with one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TVec Second<TOps, TVec, TW>(ref float row, nuint lanes)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors => TW.Two ? TOps.Load(ref row, lanes) : TOps.Zero;

        /// <summary>
        /// Online softmax over the block, every query in a lane: new running max, corr = exp(old −
        /// new) for what was accumulated before, Sᵀ replaced by exp(s − max), sums updated.
        /// </summary>
        private static void Softmax<TOps, TVec>(float* st, int nk, float* max, float* sum, float* corr, int qb)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            for (int h = 0; h < qb; h += TOps.Count)
            {
                TVec old = TOps.Load(ref max[h], 0), top = old;
                for (int j = 0; j < nk; j++)
                {
                    TVec s = TOps.Load(ref st[(j * qb) + h], 0);
                    top = TOps.SelectLess(top, s, s, top);
                }
                // The first key block always shows key 0 to every query, so top is finite from then on
                // and exp(−inf − top) = 0 for hidden keys and for the first block's "old" maximum.
                TVec c = FastExp.Exp<TOps, TVec>(TOps.Subtract(old, top));
                TVec total = TOps.Zero;
                for (int j = 0; j < nk; j++)
                {
                    TVec p = FastExp.Exp<TOps, TVec>(TOps.Subtract(TOps.Load(ref st[(j * qb) + h], 0), top));
                    TOps.Store(p, ref st[(j * qb) + h], 0);
                    total = TOps.Add(total, p);
                }
                TOps.Store(top, ref max[h], 0);
                TOps.Store(c, ref corr[h], 0);
                TOps.Store(TOps.MultiplyAdd(TOps.Load(ref sum[h], 0), c, total), ref sum[h], 0);
            }
        }

        /// <summary>
        /// Oᵀ[d][q] = Oᵀ[d][q]·corr[q] + Σ_j v_j[d]·Pᵀ[j][q]: the same shape of product as the
        /// scores (a value element broadcast against 2 vectors of queries), 8 or 4 head elements at a time.
        /// </summary>
        private readonly void Values<TOps, TVec, TW, TWidth>(float* pt, float* v, long vs, int nk, float* ot, float* corr, int ahead)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
            where TWidth : struct, ITileWidth
        {
            int lanes = TOps.Count, qb = (TW.Two ? 2 : 1) * lanes, d = HeadDim, elements = TWidth.Eight ? 8 : 4;
            nuint l = (nuint)lanes;
            TVec ca = TOps.Load(ref corr[0], 0), cb = Second<TOps, TVec, TW>(ref corr[0], l);
            int d0 = 0;
            for (; d0 + elements <= d; d0 += elements)
            {
                float* o = ot + (d0 * qb);
                Scaled<TOps, TVec, TW>(o, l, ca, cb, out TVec a0, out TVec b0);
                Scaled<TOps, TVec, TW>(o + qb, l, ca, cb, out TVec a1, out TVec b1);
                Scaled<TOps, TVec, TW>(o + (2 * qb), l, ca, cb, out TVec a2, out TVec b2);
                Scaled<TOps, TVec, TW>(o + (3 * qb), l, ca, cb, out TVec a3, out TVec b3);
                TVec a4 = TOps.Zero, a5 = TOps.Zero, a6 = TOps.Zero, a7 = TOps.Zero;
                TVec b4 = TOps.Zero, b5 = TOps.Zero, b6 = TOps.Zero, b7 = TOps.Zero;
                if (TWidth.Eight)
                {
                    Scaled<TOps, TVec, TW>(o + (4 * qb), l, ca, cb, out a4, out b4);
                    Scaled<TOps, TVec, TW>(o + (5 * qb), l, ca, cb, out a5, out b5);
                    Scaled<TOps, TVec, TW>(o + (6 * qb), l, ca, cb, out a6, out b6);
                    Scaled<TOps, TVec, TW>(o + (7 * qb), l, ca, cb, out a7, out b7);
                }
                float* vj = v + d0;
                float* pj = pt;
                // A pass that starts a 64-byte line of each row (every other one at 8 elements, every
                // fourth at 4) fetches that line a block on.
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
                    if (TWidth.Eight)
                    {
                        Fma2<TOps, TVec, TW>(vj[4], pa, pb, ref a4, ref b4);
                        Fma2<TOps, TVec, TW>(vj[5], pa, pb, ref a5, ref b5);
                        Fma2<TOps, TVec, TW>(vj[6], pa, pb, ref a6, ref b6);
                        Fma2<TOps, TVec, TW>(vj[7], pa, pb, ref a7, ref b7);
                    }
                }
                StoreRow<TOps, TVec, TW>(o, lanes, a0, b0);
                StoreRow<TOps, TVec, TW>(o + qb, lanes, a1, b1);
                StoreRow<TOps, TVec, TW>(o + (2 * qb), lanes, a2, b2);
                StoreRow<TOps, TVec, TW>(o + (3 * qb), lanes, a3, b3);
                if (TWidth.Eight)
                {
                    StoreRow<TOps, TVec, TW>(o + (4 * qb), lanes, a4, b4);
                    StoreRow<TOps, TVec, TW>(o + (5 * qb), lanes, a5, b5);
                    StoreRow<TOps, TVec, TW>(o + (6 * qb), lanes, a6, b6);
                    StoreRow<TOps, TVec, TW>(o + (7 * qb), lanes, a7, b7);
                }
            }
            ValuesTail<TOps, TVec, TW>(pt, v, vs, nk, ot, d0, ca, cb);
        }

        /// <summary>The value products of head elements [d0, HeadDim) one element at a time.</summary>
        private readonly void ValuesTail<TOps, TVec, TW>(float* pt, float* v, long vs, int nk, float* ot, int d0, TVec ca, TVec cb)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
            where TW : struct, IQueryVectors
        {
            int lanes = TOps.Count, qb = (TW.Two ? 2 : 1) * lanes, d = HeadDim;
            nuint l = (nuint)lanes;
            for (; d0 < d; d0++)
            {
                float* o = ot + (d0 * qb);
                Scaled<TOps, TVec, TW>(o, l, ca, cb, out TVec a, out TVec b);
                for (int j = 0; j < nk; j++)
                {
                    Fma2<TOps, TVec, TW>(v[(j * vs) + d0], TOps.Load(ref pt[j * qb], 0), Second<TOps, TVec, TW>(ref pt[j * qb], l), ref a, ref b);
                }
                StoreRow<TOps, TVec, TW>(o, lanes, a, b);
            }
        }
    }
}
